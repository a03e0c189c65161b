from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from earnings.exports import OFFICE_COLUMNS, earnings_csv_response
from earnings.models import EarningStatus, PayoutMethod, TechnicianEarnings
from earnings.services import PayoutError, earning_mark_paid, earning_put_on_hold, earning_release
from homecure.base.admin_paginator import EstimatedCountPaginator

ZERO = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))


class MarkPaidForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Payout method"), choices=PayoutMethod.choices)
    transaction_id = forms.CharField(
        label=gettext_lazy("Transaction id"),
        max_length=100,
        help_text=gettext_lazy("The bank transfer or wallet reference, so the payout can be traced."),
    )


@admin.register(TechnicianEarnings)
class TechnicianEarningsAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "technician",
        "visit",
        "amount",
        "commission",
        "net_earnings",
        "payment_status",
    )
    list_select_related = ("technician__user", "booking")
    list_filter = ("payment_status", "payment_method", "created_at", "technician__specialization")
    search_fields = (
        "technician__user__email",
        "technician__user__first_name",
        "technician__user__last_name",
        "booking__reference",
        "transaction_id",
    )
    date_hierarchy = "created_at"
    # One earning per completed visit: as many as the bookings.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # Amounts are fixed when the visit completes, and the payout (status, method, transaction id)
    # is recorded only by the payout actions, which audit it; the notes are free.
    readonly_fields = (
        "technician",
        "booking",
        "amount",
        "commission_rate",
        "net_earnings",
        "payment_status",
        "payment_date",
        "payment_method",
        "transaction_id",
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
    actions = ["mark_paid", "put_on_hold", "release", "export_csv"]

    @admin.display(description=gettext_lazy("visit"), ordering="booking__reference")
    def visit(self, obj):
        return obj.booking.reference

    @admin.display(description=gettext_lazy("commission"))
    def commission(self, obj):
        return obj.commission_amount

    @admin.action(description=gettext_lazy("Mark selected earnings paid"), permissions=["change"])
    def mark_paid(self, request, queryset):
        payable = queryset.exclude(payment_status=EarningStatus.PAID)
        form = MarkPaidForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            paid = 0
            for earning in payable:
                try:
                    earning_mark_paid(
                        earning=earning,
                        actor=request.user,
                        method=form.cleaned_data["method"],
                        transaction_id=form.cleaned_data["transaction_id"],
                    )
                except PayoutError as error:
                    self.message_user(request, f"{earning.booking.reference}: {error.message}", messages.ERROR)
                else:
                    paid += 1
            text = ngettext("%(count)d earning marked paid.", "%(count)d earnings marked paid.", paid)
            self.message_user(request, text % {"count": paid}, messages.SUCCESS)
            return None
        totals = payable.aggregate(count=Count("pk"), total=Coalesce(Sum("net_earnings"), ZERO))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a payout"),
            "opts": self.opts,
            "form": form,
            "earnings": payable.select_related("technician__user", "booking"),
            "totals": totals,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_name": "mark_paid",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/earnings/technicianearnings/mark_paid.html", context)

    @admin.action(description=gettext_lazy("Put selected earnings on hold"), permissions=["change"])
    def put_on_hold(self, request, queryset):
        held = 0
        for earning in queryset.filter(payment_status=EarningStatus.PENDING):
            earning_put_on_hold(earning=earning, actor=request.user)
            held += 1
        skipped = queryset.count() - held
        text = ngettext("%(count)d earning put on hold.", "%(count)d earnings put on hold.", held)
        self.message_user(request, text % {"count": held}, messages.SUCCESS)
        if skipped:
            text = ngettext(
                "%(count)d earning was not pending and was left as it was.",
                "%(count)d earnings were not pending and were left as they were.",
                skipped,
            )
            self.message_user(request, text % {"count": skipped}, messages.WARNING)

    @admin.action(description=gettext_lazy("Release selected earnings from hold"), permissions=["change"])
    def release(self, request, queryset):
        released = 0
        for earning in queryset.filter(payment_status=EarningStatus.ON_HOLD):
            earning_release(earning=earning, actor=request.user)
            released += 1
        skipped = queryset.count() - released
        text = ngettext("%(count)d earning released from hold.", "%(count)d earnings released from hold.", released)
        self.message_user(request, text % {"count": released}, messages.SUCCESS)
        if skipped:
            text = ngettext(
                "%(count)d earning was not on hold and was left as it was.",
                "%(count)d earnings were not on hold and were left as they were.",
                skipped,
            )
            self.message_user(request, text % {"count": skipped}, messages.WARNING)

    @admin.action(description=gettext_lazy("Export selected earnings as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = queryset.select_related("technician__user", "booking").order_by("created_at", "pk")
        return earnings_csv_response(rows.iterator(chunk_size=500), columns=OFFICE_COLUMNS)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # Totals of every row the filters and search select, not only the page shown.
            response.context_data["totals"] = changelist.queryset.aggregate(
                total_amount=Coalesce(Sum("amount"), ZERO),
                total_commission=Coalesce(Sum(F("amount") - F("net_earnings")), ZERO),
                total_net=Coalesce(Sum("net_earnings"), ZERO),
            )
        return response

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician__user", "booking")

    # One earning per completed visit, created when the visit completes, and kept for the books.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
