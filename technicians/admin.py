from functools import partial

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User, UserRole
from technicians import services
from technicians.models import ScheduleWindow, Technician, TimeOff


class ScheduleWindowInline(admin.TabularInline):
    model = ScheduleWindow
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


class AccountOpenFilter(admin.BooleanFieldListFilter):
    """The technician's log-in account: closed for a sign-up whose address is not confirmed yet
    (or an account an administrator switched off), which is nobody to verify."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("account open")


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    # What the office scans a list for; e-mail, licence and experience are on the change page.
    list_display = ("name", "specialization", "is_verified", "is_available", "is_active", "rating")
    list_select_related = ("user",)
    list_filter = (
        "specialization",
        "is_verified",
        "is_available",
        "is_active",
        ("user__is_active", AccountOpenFilter),
        "service_areas",
    )
    search_fields = ("user__email", "user__first_name", "user__last_name", "license_number")
    autocomplete_fields = ("user",)
    # Verification and suspension notify the technician and are audited, so they are actions,
    # not checkboxes; the review figures follow from patients' ratings.
    readonly_fields = (
        "credentials",
        "photo",
        "is_verified",
        "verified_at",
        "is_active",
        "rating",
        "total_reviews",
        "completed_bookings",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "user",
                    "specialization",
                    "license_number",
                    "experience_years",
                    "credentials",
                    "certifications",
                )
            },
        ),
        (_("Work"), {"fields": ("service_areas", "is_available")}),
        (_("Profile"), {"fields": ("bio", "photo")}),
        (
            _("Verification and reviews"),
            {
                "fields": (
                    "is_verified",
                    "verified_at",
                    "is_active",
                    "rating",
                    "total_reviews",
                    "completed_bookings",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = [ScheduleWindowInline, TimeOffInline]
    actions = ["verify", "unverify", "suspend", "reinstate"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # A labelled check box per area: the admin's two-box picker and its search widget both leave
        # parts unnamed for screen readers, and a city has few enough areas to list them all.
        if db_field.name == "service_areas":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _apply(self, request, queryset, change, *, field) -> int:
        """Run a technicians service on every selected row; returns how many it changed.

        The service writes the audit entry of each change.
        """
        changed = 0
        for technician in queryset.select_related("user"):
            before = getattr(technician, field)
            technician = change(technician=technician, actor=request.user)
            if getattr(technician, field) != before:
                changed += 1
        return changed

    @admin.action(description=_("Verify selected technicians"), permissions=["change"])
    def verify(self, request, queryset):
        count = self._apply(request, queryset, services.technician_verify, field="is_verified")
        message = ngettext("%(count)d technician verified.", "%(count)d technicians verified.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Withdraw verification"), permissions=["change"])
    def unverify(self, request, queryset):
        count = self._apply(request, queryset, services.technician_unverify, field="is_verified")
        message = ngettext("%(count)d technician unverified.", "%(count)d technicians unverified.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Suspend selected technicians"), permissions=["change"])
    def suspend(self, request, queryset):
        count = self._apply(request, queryset, partial(services.technician_set_active, active=False), field="is_active")
        message = ngettext("%(count)d technician suspended.", "%(count)d technicians suspended.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reinstate selected technicians"), permissions=["change"])
    def reinstate(self, request, queryset):
        count = self._apply(request, queryset, partial(services.technician_set_active, active=True), field="is_active")
        message = ngettext("%(count)d technician reinstated.", "%(count)d technicians reinstated.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.display(description=_("credentials"))
    def credentials(self, obj):
        """The certificates as a table to check against the licence register; expired ones say so."""
        # A form re-shown with errors may hold any JSON the administrator typed, not only a list.
        listed = obj.certifications if isinstance(obj.certifications, list) else []
        certificates = [c for c in listed if isinstance(c, dict)]
        if not certificates:
            return _("No certificates listed.")
        today = timezone.localdate().isoformat()
        rows = [
            (
                c.get("name", "-"),
                c.get("issuer", "-"),
                c.get("expiry", "-"),
                _("expired") if str(c.get("expiry") or "9999") < today else _("valid"),
            )
            for c in certificates
        ]
        return format_html(
            '<table class="hc-changes"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Certificate"),
            _("Issuer"),
            _("Expires"),
            _("State"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    # The photo is private: it is served by the portal's permission-checked view, and changed by
    # the technician on their profile page, which checks the file.
    @admin.display(description=_("photo"))
    def photo(self, obj):
        if not obj.profile_picture:
            return _("No photo.")
        return format_html(
            '<img src="{}" alt="{}" width="160">',
            reverse("portal:photo", args=[obj.pk]),
            _("Photo of %(name)s") % {"name": obj.user.get_full_name()},
        )

    @admin.display(description=_("name"), ordering="user__last_name")
    def name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(role=UserRole.TECHNICIAN)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
