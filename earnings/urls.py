from django.urls import path

from earnings import views

app_name = "earnings"

urlpatterns = [
    path("", views.earning_list, name="list"),
    path("export.csv", views.earning_export, name="export"),
]
