from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from homecure.base.timestamps import TouchesUpdatedAt, TouchingQuerySet


class EarningStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    ON_HOLD = "on_hold", _("On hold")


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    WALLET = "wallet", _("Wallet")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class TechnicianEarnings(TouchesUpdatedAt, models.Model):
    """A technician's share of one completed visit: exactly one row per booking."""

    technician = models.ForeignKey(
        "technicians.Technician", on_delete=models.PROTECT, related_name="earnings", verbose_name=_("technician")
    )
    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.PROTECT, related_name="earning", verbose_name=_("visit")
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    net_earnings = models.DecimalField(_("net earnings"), max_digits=10, decimal_places=2)
    payment_status = models.CharField(
        _("payout status"), max_length=20, choices=EarningStatus.choices, default=EarningStatus.PENDING
    )
    payment_date = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_method = models.CharField(_("payout method"), max_length=20, choices=PayoutMethod.choices, blank=True)
    transaction_id = models.CharField(_("transaction id"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician earning")
        verbose_name_plural = _("technician earnings")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["technician", "-created_at"], name="earning_tech_created_idx"),
            models.Index(fields=["payment_status", "-created_at"], name="earning_status_idx"),
            # The back office's list of all earnings, latest first (it adds the key to the order).
            models.Index(fields=["-created_at", "-id"], name="earning_created_desc_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0) & Q(commission_rate__lte=1), name="earning_commission_0_1"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="earning_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(payment_status="paid") | Q(payment_date__isnull=False), name="earning_paid_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.technician} · {self.net_earnings}"

    @property
    def commission_amount(self):
        return self.amount - self.net_earnings
