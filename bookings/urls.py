from django.urls import path

from bookings import series_views, views, waitlist_views

app_name = "bookings"

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("new/<slug:slug>/", views.booking_new, name="new"),
    path("waitlist/", waitlist_views.waitlist_list, name="waitlist"),
    path("waitlist/join/", waitlist_views.waitlist_join, name="waitlist-join"),
    path("waitlist/<int:pk>/remove/", waitlist_views.waitlist_remove, name="waitlist-remove"),
    path("waitlist/offers/<int:pk>/", waitlist_views.waitlist_offer, name="waitlist-offer"),
    path("series/new/<slug:slug>/", series_views.series_new, name="series-new"),
    path("series/<str:reference>/", series_views.series_detail, name="series"),
    path("series/<str:reference>/cancel/", series_views.series_cancel, name="series-cancel"),
    path("<str:reference>/", views.booking_detail, name="detail"),
    path("<str:reference>/qr.png", views.booking_qr, name="qr"),
    path("<str:reference>/cancel/", views.booking_cancel, name="cancel"),
    path("<str:reference>/reschedule/", views.booking_reschedule, name="reschedule"),
    path("<str:reference>/pay/", views.booking_pay, name="pay"),
    path("<str:reference>/review/", views.booking_review, name="review"),
    path("<str:reference>/documents/<str:number>.pdf", views.booking_document, name="document"),
]
