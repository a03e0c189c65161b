from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("viewed/", views.who_viewed, name="who-viewed"),
    path("my-data/", views.my_data, name="export"),
    path("visit/<str:reference>/new/", views.record_new, name="new"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/print/", views.record_print, name="print"),
    path("<int:pk>/reason/", views.record_reason, name="reason"),
    path("<int:pk>/correct/", views.record_amend, name="amend"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
]
