"""The back office: Django's admin site, open to platform administrators only.

`BackOfficeAdminConfig` replaces `django.contrib.admin` in `INSTALLED_APPS`, so every
`@admin.register` in the apps lands on `BackOfficeSite`.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class BackOfficeSite(admin.AdminSite):
    site_header = _("HomeCure back office")
    site_title = _("HomeCure back office")
    index_title = _("Platform administration")

    def has_permission(self, request):
        # Staff status alone is not enough: only the administrator role runs the platform.
        user = request.user
        return bool(user.is_active and getattr(user, "is_platform_admin", False))

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        @wraps(protected)
        def inner(request, *args, **kwargs):
            if not self.has_permission(request):
                if request.user.is_authenticated and request.path != reverse("admin:logout", current_app=self.name):
                    return self._elsewhere(request)
                return protected(request, *args, **kwargs)
            if request.method == "POST":
                from homecure.audit import audit_batch

                # One audit entry per changed object, written with the changes in one transaction.
                with audit_batch():
                    return protected(request, *args, **kwargs)
            return protected(request, *args, **kwargs)

        return inner

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not self.has_permission(request):
            return self._elsewhere(request)
        return super().login(request, extra_context)

    def _elsewhere(self, request):
        """Patients and technicians go to their own pages: the admin log-in would only say no."""
        from accounts.models import UserRole

        if request.user.role == UserRole.ADMIN:
            # An administrator account without staff status or not active: their start page is
            # this site, so a redirect would go round in a circle.
            raise PermissionDenied
        return redirect("accounts:after-login")

    def index(self, request, extra_context=None):
        from homecure.dashboard import dashboard_cards

        return super().index(request, {"dashboard_cards": dashboard_cards(), **(extra_context or {})})


class BackOfficeAdminConfig(AdminConfig):
    default_site = "homecure.admin_site.BackOfficeSite"
