"""Services, bookings and their status history.

A booking's time is stored twice on purpose: `scheduled_start`/`scheduled_end` are the aware
instants (UTC in the database) that scheduling and the no-overlap rule work on, and
`scheduled_date`/`scheduled_time` are the seed's fields, the same start in the platform's time
zone, which lists filter and group on. `Booking.set_schedule()` keeps them together.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homecure.base.choices import ChoiceLabels
from homecure.base.timestamps import TouchesUpdatedAt, TouchingQuerySet
from technicians.models import Specialization


class ServiceCategory(models.TextChoices):
    NURSING = "nursing", _("Nursing")
    PHYSIOTHERAPY = "physiotherapy", _("Physiotherapy")
    LAB_TESTS = "lab_tests", _("Home lab tests")

    @property
    def specialization(self):
        """The technician specialization that performs services of this category."""
        return CATEGORY_SPECIALIZATION[self]


CATEGORY_SPECIALIZATION = {
    ServiceCategory.NURSING: Specialization.NURSE,
    ServiceCategory.PHYSIOTHERAPY: Specialization.PHYSIOTHERAPIST,
    ServiceCategory.LAB_TESTS: Specialization.LAB_TECHNICIAN,
}


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)
# The states in which the technician may still give the visit back (decline it).
ANSWERABLE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash at the visit")
    CARD = "card", _("Card at the visit")
    ONLINE = "online", _("Online")


class Service(TouchesUpdatedAt, models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=30, choices=ServiceCategory.choices)
    price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["category", "name"]
        indexes = [models.Index(fields=["is_active", "category"], name="service_active_cat_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="service_duration_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:service", kwargs={"slug": self.slug})

    @property
    def specialization(self):
        return ServiceCategory(self.category).specialization


class Booking(ChoiceLabels, TouchesUpdatedAt, models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True, editable=False)
    # The booking form's one-time token: a resubmitted or double-clicked form finds the booking
    # it already made instead of making a second one.
    request_token = models.UUIDField(null=True, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("patient")
    )
    technician = models.ForeignKey(
        "technicians.Technician",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("technician"),
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("service"))
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    scheduled_date = models.DateField(_("date"))
    scheduled_time = models.TimeField(_("time"))
    scheduled_start = models.DateTimeField(_("starts"))
    scheduled_end = models.DateTimeField(_("ends"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    service_address = models.TextField(_("address"), max_length=500)
    service_area = models.ForeignKey(
        "accounts.ServiceArea", on_delete=models.PROTECT, related_name="bookings", verbose_name=_("area")
    )
    service_location = models.CharField(
        _("location"), max_length=50, blank=True, help_text=_("Latitude and longitude, e.g. 51.5072,-0.1276.")
    )
    qr_code = models.TextField(_("QR code (PNG, base64)"), blank=True, editable=False)
    qr_code_data = models.CharField(
        _("check-in token"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # What the technician types when the QR code cannot be scanned: short enough to read out at
    # the door, from an alphabet without look-alike characters (no 0 or O, no 1 or I).
    checkin_code = models.CharField(
        _("check-in code"), max_length=8, unique=True, null=True, blank=True, editable=False
    )
    total_amount = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    payment_status = models.CharField(
        _("payment status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.CASH
    )
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True, editable=False)
    user_notes = models.TextField(_("patient notes"), max_length=2000, blank=True)
    technician_notes = models.TextField(_("technician notes"), max_length=4000, blank=True)
    admin_notes = models.TextField(_("admin notes"), max_length=4000, blank=True)
    user_rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    user_review = models.TextField(_("review"), max_length=2000, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # When the assigned technician was asked (booking, a decline's or an expired offer's re-offer,
    # an admin's assignment): their time to accept runs from here (`offer_deadline`). A field
    # rather than the latest history row, so the minute-by-minute expiry finds due offers with
    # one indexed query and the accept guard needs no second one. None while nobody is asked.
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    # When the office was told that nobody checked in for this confirmed visit: kept so the flag
    # is raised once; the visit keeps its status until it is checked in, cancelled or lapses.
    not_attended_at = models.DateTimeField(_("flagged as not attended"), null=True, blank=True)
    # The care plan this visit belongs to, if any (`VisitSeries`); the visit is an ordinary booking.
    series = models.ForeignKey(
        "bookings.VisitSeries",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("care plan"),
    )

    objects = TouchingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-scheduled_start"]
        indexes = [
            models.Index(fields=["user", "-scheduled_start"], name="booking_user_start_idx"),
            # A technician's visits in time order; on PostgreSQL it also carries what the portal
            # dashboard's stamps read of them (`bookings.selectors.dashboard_sources`), so those are
            # read from the index alone.
            models.Index(
                fields=["technician", "scheduled_start"],
                include=["user", "updated_at"],
                name="booking_tech_start_cover_idx",
            ),
            models.Index(fields=["scheduled_date", "status"], name="booking_date_status_idx"),
            models.Index(fields=["status", "scheduled_start"], name="booking_status_start_idx"),
            # The back office lists all bookings latest first (with the id as tie-breaker): read
            # in index order, its first page costs the same at 1,000 and at 100,000 bookings.
            models.Index(fields=["-scheduled_start", "-id"], name="booking_start_desc_idx"),
            # A technician's offers, accepted visits and past jobs: one index range each.
            models.Index(fields=["technician", "status", "scheduled_start"], name="booking_tech_status_start_idx"),
            # The scheduled jobs' offers that are due to expire.
            models.Index(fields=["status", "offered_at"], name="booking_status_offered_idx"),
            # The stamps of a patient's kept pages (`homecure.base.page_cache`), read from the index alone.
            models.Index(fields=["user", "updated_at"], name="booking_user_changed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_start__lt=F("scheduled_end")), name="booking_start_before_end"
            ),
            models.UniqueConstraint(fields=["user", "request_token"], name="booking_one_per_request"),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="booking_total_not_negative"),
            models.CheckConstraint(
                condition=Q(user_rating__isnull=True) | (Q(user_rating__gte=1) & Q(user_rating__lte=5)),
                name="booking_rating_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.reference} · {self.service} · {self.local_start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("bookings:detail", kwargs={"reference": self.reference})

    @property
    def local_start(self):
        return timezone.localtime(self.scheduled_start)

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def can_decline(self):
        """Whether the assigned technician may still decline (or give back) the visit."""
        return self.status in ANSWERABLE_STATUSES

    @property
    def can_check_in(self):
        """Whether the visit waits for the technician's check-in at the door."""
        return self.status == BookingStatus.CONFIRMED

    @property
    def can_complete(self):
        return self.status == BookingStatus.IN_PROGRESS

    @property
    def collects_payment_at_door(self):
        """Whether the technician takes the payment at the visit (cash or card, not paid yet)."""
        return (
            self.payment_method in (PaymentMethod.CASH, PaymentMethod.CARD)
            and self.payment_status == PaymentStatus.PENDING
        )

    @property
    def can_pay(self):
        """Whether the patient may pay online now (the rule `booking_pay_online` enforces)."""
        return (
            self.payment_method == PaymentMethod.ONLINE
            and self.payment_status == PaymentStatus.PENDING
            and self.is_active
        )

    @property
    def can_review(self):
        """Whether the patient may rate the visit now (the rule `booking_review` enforces)."""
        return self.status == BookingStatus.COMPLETED and self.user_rating is None

    @property
    def shows_qr(self):
        """Whether the patient is shown a check-in QR code: only for a confirmed visit that has one."""
        return self.status == BookingStatus.CONFIRMED and bool(self.qr_code)

    def offer_deadline(self, *, offer_minutes: int, min_notice_hours: int) -> datetime | None:
        """Until when the assigned technician may accept this pending visit, or None when no offer runs.

        `offer_minutes` from the moment the offer was made, and never later than `min_notice_hours`
        before the start, so that the office still has time to find someone else. An offer made
        after that point (an administrator assigning a visit at short notice) runs its minutes up to
        the start instead: it would otherwise expire before the technician could see it. An offer
        whose moment is not known is held to the minimum notice alone.
        """
        if self.status != BookingStatus.PENDING or self.technician_id is None:
            return None
        latest = self.scheduled_start - timedelta(hours=min_notice_hours)
        if self.offered_at is None:
            return latest
        if self.offered_at >= latest:
            latest = self.scheduled_start
        return min(self.offered_at + timedelta(minutes=offer_minutes), latest)

    def set_schedule(self, start: datetime, duration_minutes: int):
        """Set every schedule field from one aware start instant."""
        start = start.astimezone(UTC)  # so the duration is added in real, not wall-clock, minutes
        local = timezone.localtime(start)
        self.scheduled_start = start
        self.scheduled_end = start + timedelta(minutes=duration_minutes)
        self.duration_minutes = duration_minutes
        self.scheduled_date = local.date()
        self.scheduled_time = local.time().replace(tzinfo=None)


class BookingStatusHistory(ChoiceLabels, models.Model):
    """One row per status change: the booking's timeline and part of its audit trail."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="history", verbose_name=_("booking"))
    from_status = models.CharField(_("from"), max_length=20, choices=BookingStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=BookingStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["booking", "created_at", "pk"]

    def __str__(self):
        return _("%(booking)s: %(from)s to %(to)s") % {
            "booking": self.booking.reference,
            "from": self.get_from_status_display() or "-",
            "to": self.get_to_status_display(),
        }

    @property
    def note_for_patient(self) -> str:
        """The note the patient's timeline shows: of their own actions and of the office's (a change of
        time, an assignment); a technician's reason for giving a visit back is for the office, and a
        cancellation's reason is shown once, with the booking."""
        by = self.changed_by
        if self.to_status == BookingStatus.CANCELLED or by is None:
            return ""
        return self.note if by.pk == self.booking.user_id or by.is_staff else ""


class BookingDecline(models.Model):
    """A technician said no to a booking; it is not offered to them again."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="declines", verbose_name=_("booking"))
    technician = models.ForeignKey(
        "technicians.Technician", on_delete=models.CASCADE, related_name="+", verbose_name=_("technician")
    )
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("declined offer")
        verbose_name_plural = _("declined offers")
        ordering = ["booking", "created_at"]

    def __str__(self):
        return _("%(booking)s declined by %(technician)s") % {
            "booking": self.booking.reference,
            "technician": self.technician,
        }


class MissedVisit(models.Model):
    """A confirmed visit its technician never checked in to, cancelled a day after its start: the
    technician's record of missed visits, which the back office reads. One per visit."""

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="missed_visit", verbose_name=_("booking")
    )
    technician = models.ForeignKey(
        "technicians.Technician", on_delete=models.CASCADE, related_name="+", verbose_name=_("technician")
    )
    scheduled_start = models.DateTimeField(_("visit was due"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("missed visit")
        verbose_name_plural = _("missed visits")
        ordering = ["-scheduled_start"]
        indexes = [models.Index(fields=["technician", "-scheduled_start"], name="missed_visit_tech_idx")]

    def __str__(self):
        return _("%(booking)s missed by %(technician)s") % {
            "booking": self.booking.reference,
            "technician": self.technician,
        }


class CheckInFailure(models.TextChoices):
    """Why a check-in at the door was refused: the codes of `bookings.services.check_in_refusal`
    and of the check-in page, and the reasons kept on `FailedCheckIn`."""

    UNKNOWN_CODE = "unknown_code", _("Unknown code")
    NOT_YOURS = "not_yours", _("Not their booking")
    NOT_VERIFIED = "not_verified", _("Technician not verified or suspended")
    NOT_CONFIRMED = "not_confirmed", _("Booking not confirmed yet")
    CANCELLED = "cancelled", _("Booking cancelled")
    COMPLETED = "completed", _("Visit already completed")
    TOO_EARLY = "too_early", _("Too early")
    TOO_LATE = "too_late", _("Too late")
    TOO_MANY_TRIES = "too_many_tries", _("Too many wrong codes")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("QR code scanned")
    TYPED = "typed", _("Code typed")


class FailedCheckIn(models.Model):
    """A scan or typed code that did not start a visit: who tried, when, with what, and why it failed.

    Kept for the back office to spot lost phones, wrong addresses and guessing. The booking is
    kept when the code matched one, so a refused but genuine attempt can be followed up; an
    unknown code has none.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("technician user"),
    )
    code = models.CharField(_("code tried"), max_length=100)
    method = models.CharField(_("method"), max_length=10, choices=CheckInMethod.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=CheckInFailure.choices)
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="failed_check_ins",
        verbose_name=_("booking"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("failed check-in")
        verbose_name_plural = _("failed check-ins")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="failed_checkin_user_idx")]

    def __str__(self):
        return f"{self.get_reason_display()} · {self.code}"


# --- Money: payments and refunds as rows, and the numbers of their receipts -------------------------------------


class PaymentKind(models.TextChoices):
    """What moved: a charge (online, or collected at the door in cash or by card) or a refund."""

    ONLINE = "online", _("Online payment")
    CASH = "cash", _("Cash collected at the door")
    CARD = "card", _("Card collected at the door")
    REFUND = "refund", _("Refund")


#: The kinds that bring money in; the booking's `payment_method` is the kind of its charge.
CHARGE_KINDS = (PaymentKind.ONLINE, PaymentKind.CASH, PaymentKind.CARD)
DOOR_KINDS = (PaymentKind.CASH, PaymentKind.CARD)


class PaymentState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")


class DocumentSeries(models.TextChoices):
    """The two gap-free number series: receipts for charges, credit notes for refunds."""

    RECEIPT = "R", _("Receipt")
    CREDIT_NOTE = "C", _("Credit note")


class Payment(ChoiceLabels, TouchesUpdatedAt, models.Model):
    """One movement of a booking's money, as the provider (or the technician at the door) reported it.

    Amounts are positive; the kind says the direction. A confirmed row is settled and never changes
    again (its receipt or credit note is numbered then); a failed refund may be tried again, which
    settles the same row. The booking's `payment_status` and `payment_method` are derived from these
    rows by `bookings.payments.sync_booking_payment`.
    """

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments", verbose_name=_("booking"))
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=PaymentState.choices, default=PaymentState.PENDING)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    provider = models.CharField(_("provider"), max_length=60)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    failure_message = models.CharField(_("provider's answer"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    # A refund form's one-time key: a double submit finds the refund it already made.
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, unique=True, editable=False)
    number = models.CharField(_("document number"), max_length=20, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment or refund")
        verbose_name_plural = _("payments and refunds")
        ordering = ["booking", "created_at", "pk"]
        indexes = [
            models.Index(fields=["booking", "kind", "state"], name="payment_booking_kind_idx"),
            models.Index(fields=["state", "kind", "-created_at"], name="payment_state_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(settled_at__isnull=False), name="payment_confirmed_is_settled"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.amount} {self.currency} · {self.get_state_display()}"

    def save(self, *args, **kwargs):
        # Settled money is history: the one change after settling would be a bug or a forgery.
        if self.pk is not None and Payment.objects.filter(pk=self.pk, state=PaymentState.CONFIRMED).exists():
            raise ValueError("A settled payment cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def is_refund(self):
        return self.kind == PaymentKind.REFUND

    @property
    def is_settled(self):
        return self.state == PaymentState.CONFIRMED

    @property
    def can_retry(self):
        return self.kind == PaymentKind.REFUND and self.state == PaymentState.FAILED

    @property
    def document_title(self):
        return _("Credit note") if self.is_refund else _("Receipt")


class DocumentCounter(models.Model):
    """The last number given in one series and year: locked while the next is taken, so numbers are
    consecutive with no gap and no duplicate whatever runs at once."""

    series = models.CharField(_("series"), max_length=1, choices=DocumentSeries.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="document_counter_one_per_year")]

    def __str__(self):
        return f"HC-{self.series}-{self.year}: {self.last_number}"


# --- Waitlist ---------------------------------------------------------------------------------------------------


class DayPart(models.TextChoices):
    """The part of the day a patient on the waitlist can be visited in; the hours are `DAY_PART_HOURS`."""

    ANY = "any", _("Any time of day")
    MORNING = "morning", _("Morning (before 12:00)")
    AFTERNOON = "afternoon", _("Afternoon (12:00 to 17:00)")
    EVENING = "evening", _("Evening (from 17:00)")


#: The local wall-clock hours of each part of the day, [from, to): a visit starting at 12:00 is in the
#: afternoon. The one place these hours are written; the labels of `DayPart` repeat them for the patient.
DAY_PART_HOURS = {
    DayPart.ANY: (0, 24),
    DayPart.MORNING: (0, 12),
    DayPart.AFTERNOON: (12, 17),
    DayPart.EVENING: (17, 24),
}


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BOOKED = "booked", _("Booked")
    REMOVED = "removed", _("Removed")


class WaitlistEntry(models.Model):
    """A patient's wish to be told when a time opens for `service` in `area` on a day of
    `first_day`..`last_day`, in `day_part`.

    Waiting entries are told in order of asking (`created_at`, then id). An entry is live while it
    waits and `expires_at` (the end of `last_day`, platform time) has not come; an expired one keeps
    its status and is simply never told again. Booking from one of its offers makes it `booked`.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries", verbose_name=_("patient")
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    area = models.ForeignKey("accounts.ServiceArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    address = models.TextField(_("address of the visit"), max_length=500)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    day_part = models.CharField(_("part of the day"), max_length=10, choices=DayPart.choices, default=DayPart.ANY)
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    ended_at = models.DateTimeField(_("booked or removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        ordering = ["created_at", "pk"]
        indexes = [
            # The entries a freed time is offered to: waiting ones of an area, in order of asking.
            models.Index(fields=["area", "status", "created_at"], name="waitlist_area_status_idx"),
            models.Index(fields=["patient", "-created_at"], name="waitlist_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(first_day__lte=F("last_day")), name="waitlist_days_in_order"),
        ]

    def __str__(self):
        return f"{self.patient} · {self.service} · {self.first_day}..{self.last_day}"

    def is_live(self, now: datetime) -> bool:
        return self.status == WaitlistStatus.WAITING and now < self.expires_at

    def covers(self, start: datetime) -> bool:
        """Whether a visit starting at `start` falls in this entry's days and part of the day."""
        local = timezone.localtime(start)
        low, high = DAY_PART_HOURS[DayPart(self.day_part)]
        return self.first_day <= local.date() <= self.last_day and low <= local.hour < high


class WaitlistOffer(models.Model):
    """A freed time offered to one waiting entry: the link in the patient's e-mail opens it.

    `request_token` is the booking form's one-time token for the booking it makes, so a second
    click on "Book this time" finds the booking the first one made.
    """

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entry"))
    start = models.DateTimeField(_("time offered"))
    request_token = models.UUIDField(_("booking token"), unique=True, editable=False)
    created_at = models.DateTimeField(_("offered"), default=timezone.now)
    booking = models.OneToOneField(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_offer",
        verbose_name=_("booking made"),
    )

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "start"], name="waitlist_offer_once_per_time"),
        ]

    def __str__(self):
        return f"{self.entry_id} · {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


# --- Calendar feeds ---------------------------------------------------------------------------------------------


class CalendarFeed(models.Model):
    """A technician's private calendar feed: the address holds a secret token, stored here only as its
    SHA-256, so a copy of the database does not give the address away. Renewing replaces the hash,
    which revokes the old address."""

    technician = models.OneToOneField(
        "technicians.Technician", on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("technician")
    )
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("link made"), default=timezone.now)
    fetch_count = models.PositiveIntegerField(_("fetches"), default=0)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["technician"]

    def __str__(self):
        return str(self.technician)


class SeriesRepeat(models.TextChoices):
    EVERY_N_DAYS = "days", _("Every few days")
    WEEKDAYS = "weekdays", _("On chosen weekdays each week")


class VisitSeries(models.Model):
    """A care plan: visits of one service at the same wall-clock time on dates a repeat rule gives.

    Each visit is an ordinary `Booking` linked here. `later_dates` are the plan's dates beyond the
    booking horizon when it was made (ISO dates), placed by the scheduled job as the horizon moves;
    `unplaced_dates` are the dates that job found nobody free for. The price per visit is the
    service's price when the plan was made; each booking keeps its own copy too.
    """

    reference = models.CharField(_("reference"), max_length=12, unique=True, editable=False)
    request_token = models.UUIDField(null=True, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_series", verbose_name=_("patient")
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    service_area = models.ForeignKey(
        "accounts.ServiceArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    service_address = models.TextField(_("address"), max_length=500)
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.CASH
    )
    user_notes = models.TextField(_("patient notes"), max_length=2000, blank=True)
    repeat = models.CharField(_("repeat"), max_length=10, choices=SeriesRepeat.choices)
    interval_days = models.PositiveSmallIntegerField(_("every (days)"), null=True, blank=True)
    weekdays = models.CharField(_("weekdays"), max_length=20, blank=True, help_text=_("Monday is 0."))
    wall_time = models.TimeField(_("time of day"))
    visit_count = models.PositiveSmallIntegerField(_("visits planned"))
    price_per_visit = models.DecimalField(_("price per visit"), max_digits=10, decimal_places=2)
    later_dates = models.JSONField(_("dates still to place"), default=list, blank=True)
    unplaced_dates = models.JSONField(_("dates nobody was free"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "request_token"], name="series_one_per_request"),
            models.CheckConstraint(condition=Q(price_per_visit__gte=0), name="series_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.reference} · {self.service}"

    def get_absolute_url(self):
        return reverse("bookings:series", kwargs={"reference": self.reference})
