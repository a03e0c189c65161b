"""The back office: Django's admin site, open to platform administrators only.

`BackOfficeAdminConfig` replaces `django.contrib.admin` in `INSTALLED_APPS`, so every
`@admin.register` in the apps lands on `BackOfficeSite`, which gives each registered admin (and
its inlines) the checked autocomplete selects below, and its change list the checked filters of
`homecure.base.admin_changelist`.
"""

from functools import cache, wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from homecure.base.admin_changelist import CheckedChangeListMixin


class _KeysOnly:
    """Re-renders only the posted values that can be keys of the related model.

    Django's autocomplete select looks the posted values up with `pk__in` to show the chosen
    object again when the form comes back with errors; a value that is not a key ("abc", "1 OR 1",
    a number past the column's range) makes that lookup raise, and the page answered 500 instead of
    the field's own "Select a valid choice" error. Such a value matches no object anyway, so it is
    left out of the lookup and the form shows its error.
    """

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [each for each in value if self._could_be_key(each)], attr)

    def _could_be_key(self, value) -> bool:
        opts = self.field.remote_field.model._meta
        target = opts.get_field(getattr(self.field.remote_field, "field_name", opts.pk.attname))
        if "\x00" in str(value):  # PostgreSQL refuses NUL in any text it is sent
            return False
        try:
            target.run_validators(target.to_python(value))
        except ValidationError:
            return False
        return True


class CheckedAutocompleteSelect(_KeysOnly, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(_KeysOnly, AutocompleteSelectMultiple):
    pass


class CheckedAutocompleteMixin:
    """Gives a model admin's `autocomplete_fields` the checked selects, and its inlines too."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return [with_checked_autocomplete(inline) for inline in super().get_inlines(request, obj)]


@cache
def with_checked_autocomplete(admin_class):
    """`admin_class` with `CheckedAutocompleteMixin` and `CheckedChangeListMixin` in front, under the same name.

    Done where admins are registered, so no app's admin has to remember it; the class in the
    app's module stays as written.
    """
    if issubclass(admin_class, CheckedAutocompleteMixin):
        return admin_class
    names = {name: getattr(admin_class, name) for name in ("__module__", "__qualname__", "__doc__")}
    return type(admin_class.__name__, (CheckedAutocompleteMixin, CheckedChangeListMixin, admin_class), names)


class BackOfficeSite(admin.AdminSite):
    site_header = _("HomeCure back office")
    site_title = _("HomeCure back office")
    index_title = _("Platform administration")
    # Change lists need the page's width at 1280 pixels (their filters already take a column); the
    # models are listed on the first page and every page's breadcrumbs lead back to it.
    enable_nav_sidebar = False

    @property
    def login_form(self):
        # Imported when the page is shown: this module is loaded with the app registry, before models.
        from accounts.forms import BackOfficeLoginForm

        return BackOfficeLoginForm

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = with_checked_autocomplete(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)

    def each_context(self, request):
        """Django's context of every back-office page, without the list of every model for the
        navigation sidebar (`available_apps`): the sidebar is off, and building the list checks
        each model's permissions and reverses its addresses, a fifth of a short list's time."""
        script_name = request.META["SCRIPT_NAME"]
        return {
            "site_title": self.site_title,
            "site_header": self.site_header,
            "site_url": script_name if self.site_url == "/" and script_name else self.site_url,
            "has_permission": self.has_permission(request),
            "available_apps": self.get_app_list(request) if self.enable_nav_sidebar else [],
            "is_popup": False,
            "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
        }

    def has_permission(self, request):
        # Staff status alone is not enough: only the administrator role runs the platform, and only
        # in a session that has passed the second factor (django-otp's OTPMiddleware).
        user = request.user
        return bool(getattr(user, "is_active_admin", False)) and self._second_factor_given(request)

    @staticmethod
    def _second_factor_given(request) -> bool:
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified())

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        @wraps(protected)
        def inner(request, *args, **kwargs):
            if not self.has_permission(request):
                if request.user.is_authenticated and request.path != reverse("admin:logout", current_app=self.name):
                    return self._elsewhere(request)
                return protected(request, *args, **kwargs)
            if request.method == "POST":
                from homecure.base.audit import audit_batch

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
        from accounts.middleware import redirect_to_second_factor
        from accounts.models import UserRole

        if request.user.is_active_admin and not self._second_factor_given(request):
            # The password was right; the code is still to come.
            return redirect_to_second_factor(request)
        if request.user.role == UserRole.ADMIN:
            # An administrator account without staff status or not active: their start page is
            # this site, so a redirect would go round in a circle.
            raise PermissionDenied
        return redirect("accounts:after-login")

    def index(self, request, extra_context=None):
        from homecure.site.charts import dashboard_charts
        from homecure.site.dashboard import dashboard_cards

        context = {"dashboard_cards": dashboard_cards(), "dashboard_charts": dashboard_charts()}
        return super().index(request, {**context, **(extra_context or {})})


class BackOfficeAdminConfig(AdminConfig):
    """Django's admin app with HomeCure's back-office site; its `ready()` also connects the composition's receivers."""

    default_site = "homecure.site.admin_site.BackOfficeSite"

    def ready(self):
        super().ready()
        from accounts.signals import personal_data_requested
        from homecure.site import receivers

        personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="homecure.personal_data_requested"
        )
