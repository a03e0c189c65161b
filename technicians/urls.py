from django.urls import path

from technicians import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("join/", views.join, name="join"),
    path("profile/", views.profile, name="profile"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/time-off/", views.time_off_add, name="time-off-add"),
    path("schedule/time-off/<int:pk>/delete/", views.time_off_delete, name="time-off-delete"),
    path("availability/", views.availability, name="availability"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<str:reference>/", views.job, name="job"),
    path("jobs/<str:reference>/accept/", views.accept, name="accept"),
    path("jobs/<str:reference>/decline/", views.decline, name="decline"),
    path("jobs/<str:reference>/complete/", views.complete, name="complete"),
    path("jobs/<str:reference>/no-show/", views.no_show, name="no-show"),
    path("checkin/", views.check_in_code, name="check-in-code"),
    path("checkin/<str:token>/", views.check_in, name="check-in"),
]
