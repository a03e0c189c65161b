from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingDecline, BookingStatusHistory, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "price", "duration_minutes", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")


class BookingStatusHistoryInline(admin.TabularInline):
    model = BookingStatusHistory
    fields = ("created_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class BookingDeclineInline(admin.TabularInline):
    model = BookingDecline
    fields = ("created_at", "technician", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician__user")


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "scheduled_start",
        "service",
        "patient",
        "technician",
        "service_area",
        "status",
        "payment_status",
        "total_amount",
    )
    list_select_related = ("user", "service", "technician__user", "service_area")
    list_filter = ("status", "payment_status", "payment_method", "service__category", "service_area")
    search_fields = (
        "reference",
        "user__email",
        "user__first_name",
        "user__last_name",
        "technician__user__email",
        "technician__user__last_name",
        "service__name",
        "service_address",
    )
    date_hierarchy = "scheduled_date"
    # Status, schedule, assignment and money change only through the booking services (with
    # their checks, history and notifications); the form edits the address and the admin notes.
    readonly_fields = (
        "reference",
        "status",
        "user",
        "technician",
        "service",
        "scheduled_start",
        "scheduled_end",
        "duration_minutes",
        "service_area",
        "total_amount",
        "payment_method",
        "payment_status",
        "qr_code_data",
        "qr_image",
        "checked_in_at",
        "user_notes",
        "technician_notes",
        "user_rating",
        "user_review",
        "cancellation_reason",
        "created_at",
        "updated_at",
        "completed_at",
        "cancelled_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "status", "user", "technician", "service")}),
        (
            _("Visit"),
            {
                "fields": (
                    "scheduled_start",
                    "scheduled_end",
                    "duration_minutes",
                    "service_area",
                    "service_address",
                    "service_location",
                )
            },
        ),
        (_("Payment"), {"fields": ("total_amount", "payment_method", "payment_status")}),
        (_("Check-in"), {"fields": ("qr_code_data", "qr_image", "checked_in_at")}),
        (
            _("Notes and review"),
            {
                "fields": (
                    "user_notes",
                    "technician_notes",
                    "admin_notes",
                    "user_rating",
                    "user_review",
                    "cancellation_reason",
                )
            },
        ),
        (_("Timestamps"), {"fields": ("created_at", "updated_at", "completed_at", "cancelled_at")}),
    )
    inlines = [BookingStatusHistoryInline, BookingDeclineInline]

    @admin.display(description=_("patient"), ordering="user__email")
    def patient(self, obj):
        return obj.user

    @admin.display(description=_("QR code"))
    def qr_image(self, obj):
        if not obj.qr_code:
            return "-"
        return format_html(
            '<img src="data:image/png;base64,{}" width="160" height="160" alt="{}">',
            obj.qr_code,
            _("Check-in QR code of booking %(reference)s") % {"reference": obj.reference},
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "service", "technician__user", "service_area")

    # Bookings are made through the booking pages, which choose an eligible technician, copy the
    # price and issue the reference; a cancelled booking is kept, never deleted.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
