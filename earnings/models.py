from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from homecure.base.choices import ChoiceLabels
from homecure.base.timestamps import TouchesUpdatedAt, TouchingQuerySet


class EarningStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Settled by a payout, whichever way the money went (the value is the seed's "paid").
    PAID = "paid", _("Settled")
    ON_HOLD = "on_hold", _("On hold")


class CollectedBy(models.TextChoices):
    """Who received the patient's money for the visit, as the booking said when it completed."""

    PLATFORM = "platform", _("Paid online")
    TECHNICIAN = "technician", _("Collected at the door")
    NOBODY = "nobody", _("Not collected")


def money_received(collected_by: str) -> bool:
    """Whether somebody received the visit's money: an earning nobody collected for is neither
    earned nor payable (`earnings.selectors.COLLECTED` is the same rule as a filter)."""
    return collected_by != CollectedBy.NOBODY


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    WALLET = "wallet", _("Wallet")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class Payout(models.Model):
    """One settlement between the platform and a technician: a set of earnings for their net.

    `amount` is signed: positive when the platform paid the technician, negative when the office
    received money from the technician (their collections at the door exceeded what they earned
    online). It equals the sum of `balance_amount` of its earnings.
    """

    technician = models.ForeignKey(
        "technicians.Technician", on_delete=models.PROTECT, related_name="payouts", verbose_name=_("technician")
    )
    amount = models.DecimalField(
        _("net amount"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Positive: paid to the technician. Negative: received from the technician."),
    )
    method = models.CharField(_("method"), max_length=20, choices=PayoutMethod.choices)
    transaction_id = models.CharField(_("transaction id"), max_length=100)
    paid_at = models.DateTimeField(_("paid at"))
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-paid_at", "-pk"]
        indexes = [models.Index(fields=["technician", "-paid_at"], name="payout_tech_paid_idx")]

    def __str__(self):
        return f"{self.technician} · {self.amount} · {self.transaction_id}"

    @property
    def to_technician(self) -> bool:
        return self.amount >= 0

    @property
    def direction_label(self) -> str:
        if self.to_technician:
            return _("Paid to the technician")
        return _("Received from the technician")


class TechnicianEarnings(ChoiceLabels, TouchesUpdatedAt, models.Model):
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
    collected_by = models.CharField(
        _("collected by"), max_length=20, choices=CollectedBy.choices, default=CollectedBy.PLATFORM
    )
    collected_amount = models.DecimalField(
        _("collected at the door"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("The patient's money the technician took at the visit and keeps."),
    )
    balance_amount = models.DecimalField(
        _("balance effect"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_(
            "What this visit adds to the technician's balance: positive when the platform owes the technician "
            "(paid online), negative when the technician owes the platform its commission (collected at the door)."
        ),
    )
    payment_status = models.CharField(
        _("payout status"), max_length=20, choices=EarningStatus.choices, default=EarningStatus.PENDING
    )
    payment_date = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_method = models.CharField(_("payout method"), max_length=20, choices=PayoutMethod.choices, blank=True)
    transaction_id = models.CharField(_("transaction id"), max_length=100, blank=True)
    payout = models.ForeignKey(
        Payout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="earnings",
        verbose_name=_("payout"),
    )
    hold_reason = models.CharField(_("reason for the hold"), max_length=500, blank=True)
    release_reason = models.CharField(_("reason for the release"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician earning")
        verbose_name_plural = _("technician earnings")
        ordering = ["-created_at"]
        indexes = [
            # A technician's earnings latest first; on PostgreSQL it also carries `updated_at` for the
            # stamp of this month's earnings on the portal dashboard (`earnings.receivers.dashboard_sources`).
            models.Index(
                fields=["technician", "-created_at"], include=["updated_at"], name="earning_tech_created_cover_idx"
            ),
            # The stamp of the earnings still open (the dashboard's balance), read from the index alone.
            models.Index(
                fields=["technician", "updated_at"],
                condition=~Q(payment_status=EarningStatus.PAID),
                name="earning_tech_open_changed_idx",
            ),
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
            # Only a settled earning belongs to a payout (earnings settled before payouts were rows have none).
            models.CheckConstraint(
                condition=Q(payout=None) | Q(payment_status="paid"), name="earning_in_a_payout_is_settled"
            ),
            models.CheckConstraint(
                condition=~Q(collected_by="technician") | Q(collected_amount=F("amount")),
                name="earning_door_collects_the_amount",
            ),
            models.CheckConstraint(
                condition=Q(collected_by="technician") | Q(collected_amount=0), name="earning_only_door_collects"
            ),
        ]

    def __str__(self):
        return f"{self.technician} · {self.net_earnings}"

    @property
    def commission_amount(self):
        return self.amount - self.net_earnings

    @property
    def owed_to_platform(self) -> Decimal:
        """The commission the technician owes on money they kept from the door; zero otherwise."""
        return self.commission_amount if self.collected_by == CollectedBy.TECHNICIAN else Decimal("0.00")

    @property
    def hold_note(self) -> str:
        """The reason the technician reads: why it is held, or why it was released."""
        return self.hold_reason if self.payment_status == EarningStatus.ON_HOLD else self.release_reason

    @property
    def is_payable(self) -> bool:
        """Whether a payout may settle it now: pending (not held, not settled) and its money received."""
        return self.payment_status == EarningStatus.PENDING and money_received(self.collected_by)
