from django.urls import path

from bookings import catalog_views

app_name = "catalog"

urlpatterns = [
    path("", catalog_views.service_list, name="list"),
    path("<slug:slug>/", catalog_views.service_detail, name="service"),
]
