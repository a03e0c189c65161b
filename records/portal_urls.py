"""The records app's pages in the technician portal, composed into the `portal` namespace by the root URLconf."""

from django.urls import path

from records import portal_views

urlpatterns = [
    path("records/", portal_views.records_written, name="records"),
]
