from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from earnings.exports import OFFICE_COLUMNS, earnings_csv_response
from earnings.models import EarningStatus, Payout, PayoutMethod, TechnicianEarnings
from earnings.services import (
    REASON_MAX_LENGTH,
    PayoutError,
    earning_put_on_hold,
    earning_release,
    payout_amount,
    payout_record,
)
from homecure.base.admin_paginator import EstimatedCountPaginator
from homecure.base.admin_read_only import ReadOnlyAdmin
from homecure.base.money import format_money

ZERO = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))


class PayoutForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Payout method"), choices=PayoutMethod.choices)
    transaction_id = forms.CharField(
        label=gettext_lazy("Transaction id"),
        max_length=100,
        help_text=gettext_lazy("The bank transfer or wallet reference, so the payout can be traced."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The technician reads this on their earnings page."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason: the technician sees it."))
        return reason


@admin.register(TechnicianEarnings)
class TechnicianEarningsAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "technician",
        "visit",
        "amount",
        "commission",
        "net_earnings",
        "collected_by",
        "balance_amount",
        "payment_status",
    )
    list_select_related = ("technician__user", "booking")
    list_filter = ("payment_status", "collected_by", "payment_method", "created_at", "technician__specialization")
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
    # Amounts and who collected the money are fixed when the visit completes; the payout (status,
    # method, transaction id) and holds are recorded only by the actions, which audit them; the notes are free.
    readonly_fields = (
        "technician",
        "booking",
        "amount",
        "commission_rate",
        "net_earnings",
        "collected_by",
        "collected_amount",
        "balance_amount",
        "payment_status",
        "hold_reason",
        "release_reason",
        "payout",
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
        "collected_by",
        "collected_amount",
        "balance_amount",
        "payment_status",
        "hold_reason",
        "release_reason",
        "payout",
        "payment_date",
        "payment_method",
        "transaction_id",
        "notes",
        "created_at",
        "updated_at",
    )
    actions = ["record_payout", "put_on_hold", "release", "export_csv"]

    @admin.display(description=gettext_lazy("visit"), ordering="booking__reference")
    def visit(self, obj):
        return obj.booking.reference

    @admin.display(description=gettext_lazy("commission"))
    def commission(self, obj):
        return obj.commission_amount

    @admin.action(description=gettext_lazy("Record a payout for the selected earnings"), permissions=["change"])
    def record_payout(self, request, queryset):
        """Settle one technician's chosen earnings for their net, after showing the net and its direction."""
        chosen = list(queryset.select_related("technician__user", "booking").order_by("created_at", "pk"))
        technicians = {earning.technician_id for earning in chosen}
        if len(technicians) > 1:
            self.message_user(
                request,
                _("Select the earnings of one technician at a time: each payout is one transfer."),
                messages.ERROR,
            )
            return None
        payable = [earning for earning in chosen if earning.is_payable]
        form = PayoutForm(request.POST if "apply" in request.POST else None)
        if payable and form.is_bound and form.is_valid():
            try:
                payout = payout_record(
                    technician=payable[0].technician,
                    earnings=payable,
                    actor=request.user,
                    method=form.cleaned_data["method"],
                    transaction_id=form.cleaned_data["transaction_id"],
                )
            except PayoutError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            text = _("%(direction)s: %(amount)s for %(technician)s, settling %(count)s earnings.") % {
                "direction": payout.direction_label,
                "amount": format_money(abs(payout.amount)),
                "technician": payout.technician,
                "count": len(payable),
            }
            self.message_user(request, text, messages.SUCCESS)
            return None
        net = payout_amount(payable)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a payout"),
            "opts": self.opts,
            "form": form,
            "earnings": payable,
            "skipped": [earning for earning in chosen if not earning.is_payable],
            "technician": payable[0].technician if payable else None,
            "net": net,
            "net_abs": abs(net),
            "selected": [earning.pk for earning in chosen],
            "action_name": "record_payout",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/earnings/technicianearnings/record_payout.html", context)

    def _reason_action(self, request, queryset, *, service, from_status, title, done, skipped_text, name):
        """Ask for the reason (the technician sees it), then apply `service` to each earning in `from_status`."""
        chosen = queryset.filter(payment_status=from_status).select_related("technician__user", "booking")
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            changed = 0
            for earning in chosen:
                try:
                    service(earning=earning, actor=request.user, reason=form.cleaned_data["reason"])
                except PayoutError as error:
                    self.message_user(request, f"{earning.booking.reference}: {error.message}", messages.ERROR)
                else:
                    changed += 1
            self.message_user(request, done(changed) % {"count": changed}, messages.SUCCESS)
            skipped = queryset.count() - changed
            if skipped:
                self.message_user(request, skipped_text(skipped) % {"count": skipped}, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "earnings": chosen,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_name": name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/earnings/technicianearnings/reason.html", context)

    @admin.action(description=gettext_lazy("Put selected earnings on hold"), permissions=["change"])
    def put_on_hold(self, request, queryset):
        return self._reason_action(
            request,
            queryset,
            service=earning_put_on_hold,
            from_status=EarningStatus.PENDING,
            title=_("Put earnings on hold"),
            done=lambda n: ngettext("%(count)d earning put on hold.", "%(count)d earnings put on hold.", n),
            skipped_text=lambda n: ngettext(
                "%(count)d earning was not pending and was left as it was.",
                "%(count)d earnings were not pending and were left as they were.",
                n,
            ),
            name="put_on_hold",
        )

    @admin.action(description=gettext_lazy("Release selected earnings from hold"), permissions=["change"])
    def release(self, request, queryset):
        return self._reason_action(
            request,
            queryset,
            service=earning_release,
            from_status=EarningStatus.ON_HOLD,
            title=_("Release earnings from hold"),
            done=lambda n: ngettext(
                "%(count)d earning released from hold.", "%(count)d earnings released from hold.", n
            ),
            skipped_text=lambda n: ngettext(
                "%(count)d earning was not on hold and was left as it was.",
                "%(count)d earnings were not on hold and were left as they were.",
                n,
            ),
            name="release",
        )

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
                total_balance=Coalesce(Sum("balance_amount"), ZERO),
            )
        return response

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician__user", "booking")

    # One earning per completed visit, created when the visit completes, and kept for the books.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    """Payouts are written only by the earnings' "Record a payout" action, and kept for the books."""

    list_display = ("paid_at", "technician", "direction", "net", "method", "transaction_id", "recorded_by")
    list_select_related = ("technician__user", "recorded_by")
    list_filter = ("method", "paid_at")
    search_fields = ("transaction_id", "technician__user__email", "technician__user__last_name")
    date_hierarchy = "paid_at"
    fields = ("technician", "amount", "method", "transaction_id", "paid_at", "recorded_by", "created_at", "visits")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("direction"))
    def direction(self, obj):
        return obj.direction_label

    @admin.display(description=gettext_lazy("net amount"), ordering="amount")
    def net(self, obj):
        return format_money(abs(obj.amount))

    @admin.display(description=gettext_lazy("visits settled"))
    def visits(self, obj):
        return ", ".join(obj.earnings.select_related("booking").values_list("booking__reference", flat=True))
