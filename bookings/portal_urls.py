"""The technician portal's visit pages, in the `portal` namespace that the root URLconf composes
with `technicians.portal_urls`."""

from django.urls import path

from bookings import calendar_views, portal_views, series_views

urlpatterns = [
    path("", portal_views.dashboard, name="dashboard"),
    path("jobs/", portal_views.jobs, name="jobs"),
    path("reviews/", portal_views.reviews, name="reviews"),
    path("jobs/<str:reference>/", portal_views.job, name="job"),
    path("jobs/<str:reference>/accept/", portal_views.accept, name="accept"),
    path("jobs/<str:reference>/decline/", portal_views.decline, name="decline"),
    path("jobs/<str:reference>/complete/", portal_views.complete, name="complete"),
    path("jobs/<str:reference>/no-show/", portal_views.no_show, name="no-show"),
    path("series/<str:reference>/", series_views.portal_series, name="series"),
    path("series/<str:reference>/accept/", series_views.portal_series_accept, name="series-accept"),
    path("checkin/", portal_views.check_in_code, name="check-in-code"),
    path("checkin/<str:token>/", portal_views.check_in, name="check-in"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/renew/", calendar_views.calendar_renew, name="calendar-renew"),
    path("calendar/<str:token>/visits.ics", calendar_views.calendar_feed, name="calendar-feed"),
]
