from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from earnings.models import TechnicianEarnings


@admin.register(TechnicianEarnings)
class TechnicianEarningsAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "technician",
        "visit",
        "amount",
        "commission_rate",
        "net_earnings",
        "payment_status",
        "payment_date",
    )
    list_select_related = ("technician__user", "booking")
    list_filter = ("payment_status", "payment_method")
    search_fields = (
        "technician__user__email",
        "technician__user__first_name",
        "technician__user__last_name",
        "booking__reference",
        "transaction_id",
    )
    date_hierarchy = "created_at"
    # Amounts are fixed when the visit completes and the payout status moves only through the
    # payout actions, so both are read-only here.
    readonly_fields = (
        "technician",
        "booking",
        "amount",
        "commission_rate",
        "net_earnings",
        "payment_status",
        "payment_date",
        "created_at",
        "updated_at",
    )
    fields = (
        "technician",
        "booking",
        "amount",
        "commission_rate",
        "net_earnings",
        "payment_status",
        "payment_date",
        "payment_method",
        "transaction_id",
        "notes",
        "created_at",
        "updated_at",
    )

    @admin.display(description=_("visit"), ordering="booking__reference")
    def visit(self, obj):
        return obj.booking.reference

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician__user", "booking")

    # One earning per completed visit, created when the visit completes, and kept for the books.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
