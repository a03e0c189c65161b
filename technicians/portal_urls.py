"""The technician portal's pages about the technician, in the `portal` namespace that the root
URLconf composes with `bookings.portal_urls`."""

from django.urls import path

from technicians import views

urlpatterns = [
    path("join/", views.join, name="join"),
    path("profile/", views.profile, name="profile"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/time-off/", views.time_off_add, name="time-off-add"),
    path("schedule/time-off/<int:pk>/delete/", views.time_off_delete, name="time-off-delete"),
    path("availability/", views.availability, name="availability"),
]
