from django.contrib import admin
from django.urls import include, path

from bookings import portal_urls as bookings_portal
from homecure.base import health
from homecure.site import views
from records import portal_urls as records_portal
from technicians import portal_urls as technicians_portal

# The technician portal is one URL namespace served by several apps: the technician's own pages,
# the visit pages (bookings) and the records they wrote.
portal_patterns = technicians_portal.urlpatterns + bookings_portal.urlpatterns + records_portal.urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("contact/", views.contact, name="contact"),
    path("services/", include("bookings.catalog_urls")),
    path("accounts/", include("accounts.urls")),
    path("bookings/", include("bookings.urls")),
    path("records/", include("records.urls")),
    path("portal/", include((portal_patterns, "portal"))),
    path("earnings/", include("earnings.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler403 = "homecure.site.views.permission_denied"
handler404 = "homecure.site.views.page_not_found"
handler500 = "homecure.site.views.server_error"
