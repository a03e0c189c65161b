from functools import partial

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User, UserRole
from technicians import services
from technicians.models import FailedCheckIn, ScheduleWindow, ServiceArea, Technician, TimeOff


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


class ScheduleWindowInline(admin.TabularInline):
    model = ScheduleWindow
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "specialization",
        "license_number",
        "is_verified",
        "is_available",
        "is_active",
        "rating",
        "completed_bookings",
    )
    list_select_related = ("user",)
    list_filter = ("specialization", "is_verified", "is_available", "is_active", "service_areas")
    search_fields = ("user__email", "user__first_name", "user__last_name", "license_number")
    autocomplete_fields = ("user",)
    filter_horizontal = ("service_areas",)
    # Verification notifies the technician and is audited, so it is an action, not a checkbox;
    # the review figures follow from patients' ratings.
    readonly_fields = (
        "is_verified",
        "verified_at",
        "rating",
        "total_reviews",
        "completed_bookings",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("user", "specialization", "license_number", "experience_years", "certifications")}),
        (_("Work"), {"fields": ("service_areas", "is_available", "is_active")}),
        (_("Profile"), {"fields": ("bio", "profile_picture")}),
        (_("Verification and reviews"), {"fields": readonly_fields}),
    )
    inlines = [ScheduleWindowInline, TimeOffInline]
    actions = ["verify", "unverify", "suspend", "reinstate"]

    def _apply(self, request, queryset, change) -> int:
        """Run a technicians service on every selected row, so each change is signalled and audited."""
        technicians = list(queryset)
        for technician in technicians:
            change(technician=technician, actor=request.user)
        return len(technicians)

    @admin.action(description=_("Verify selected technicians"), permissions=["change"])
    def verify(self, request, queryset):
        count = self._apply(request, queryset, services.technician_verify)
        message = ngettext("%(count)d technician verified.", "%(count)d technicians verified.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Withdraw verification"), permissions=["change"])
    def unverify(self, request, queryset):
        count = self._apply(request, queryset, services.technician_unverify)
        message = ngettext("%(count)d technician unverified.", "%(count)d technicians unverified.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Suspend selected technicians"), permissions=["change"])
    def suspend(self, request, queryset):
        count = self._apply(request, queryset, partial(services.technician_set_active, active=False))
        message = ngettext("%(count)d technician suspended.", "%(count)d technicians suspended.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reinstate selected technicians"), permissions=["change"])
    def reinstate(self, request, queryset):
        count = self._apply(request, queryset, partial(services.technician_set_active, active=True))
        message = ngettext("%(count)d technician reinstated.", "%(count)d technicians reinstated.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

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


@admin.register(FailedCheckIn)
class FailedCheckInAdmin(admin.ModelAdmin):
    """Refused check-ins, for spotting lost phones, wrong addresses and guessed codes. Read-only:
    the record is evidence, so nobody edits or deletes it here."""

    list_display = ("created_at", "technician", "reason", "method", "code", "booking_reference", "ip_address")
    list_filter = ("reason", "method", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__first_name", "user__last_name", "code", "booking_reference")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    @admin.display(description=_("technician"), ordering="user__last_name")
    def technician(self, obj):
        return obj.user or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
