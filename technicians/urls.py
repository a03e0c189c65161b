from django.urls import path

from technicians import views

app_name = "portal"

urlpatterns = [
    path("checkin/<str:token>/", views.check_in, name="check-in"),
]
