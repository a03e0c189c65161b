"""Technicians, the areas they serve and when they work.

The seed kept `availability_schedule` and `service_areas` as JSON. Here they are relations
(`ScheduleWindow` rows named `availability_schedule`, a many-to-many named `service_areas`)
because the scheduling engine filters on them in SQL on both SQLite and PostgreSQL, and a
relation cannot hold a malformed window or a misspelt area. `certifications` stays JSON: it is
only displayed, never queried.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import UserRole
from homecure.base.timestamps import TouchesUpdatedAt, TouchingQuerySet


class Specialization(models.TextChoices):
    NURSE = "nurse", _("Nurse")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    LAB_TECHNICIAN = "lab_technician", _("Lab technician")


class TechnicianQuerySet(TouchingQuerySet):
    def working(self):
        """Technicians who may work on their visits now (the rule of `Technician.is_working`)."""
        return self.filter(is_verified=True, is_active=True, user__is_active=True, user__role=UserRole.TECHNICIAN)

    def taking_jobs(self):
        """Working technicians who also take new visits (the rule of `Technician.can_receive_jobs`)."""
        return self.working().filter(is_available=True)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Technician(TouchesUpdatedAt, models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="technician", verbose_name=_("user")
    )
    specialization = models.CharField(_("specialization"), max_length=30, choices=Specialization.choices)
    certifications = models.JSONField(
        _("certifications"), default=list, blank=True, help_text=_("List of {name, issuer, expiry}.")
    )
    experience_years = models.PositiveSmallIntegerField(
        _("years of experience"), default=0, validators=[MaxValueValidator(70)]
    )
    license_number = models.CharField(_("license number"), max_length=50, db_index=True)
    # A "Work with us" sign-up waiting for its e-mailed link does not hold its licence number:
    # anyone may type a real one, and it would keep the licence's owner out for a week. The
    # licence is claimed when the address is confirmed (`technician_claim_license`), and only
    # claimed licences are unique.
    holds_license = models.BooleanField(
        _("holds the license number"),
        default=True,
        editable=False,
        help_text=_("False while the sign-up waits for its e-mail confirmation: the number is not reserved yet."),
    )
    rating = models.DecimalField(
        _("rating"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))],
    )
    total_reviews = models.PositiveIntegerField(_("reviews"), default=0)
    completed_bookings = models.PositiveIntegerField(_("completed visits"), default=0)
    is_available = models.BooleanField(_("available for new jobs"), default=True)
    service_areas = models.ManyToManyField(
        "accounts.ServiceArea", related_name="technicians", blank=True, verbose_name=_("service areas")
    )
    bio = models.TextField(_("biography"), max_length=2000, blank=True)
    profile_picture = models.ImageField(_("photo"), upload_to="technicians/photos/", blank=True)
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["user__last_name", "user__first_name"]
        indexes = [
            models.Index(
                fields=["specialization", "is_verified", "is_active", "is_available"], name="tech_eligible_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=0) & Q(rating__lte=5), name="technician_rating_0_5"),
            models.UniqueConstraint(
                fields=["license_number"],
                condition=Q(holds_license=True),
                name="technician_license_unique",
                violation_error_message=_("A technician with this license number is already registered."),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_specialization_display()})"

    @property
    def is_working(self):
        """Verified, not suspended, with an open technician account: may work on the visits given to them.

        Being unavailable only stops new offers; visits already accepted are still theirs to do.
        """
        return bool(self.is_verified and self.is_active and self.user.is_active and self.user.is_technician)

    @property
    def can_receive_jobs(self):
        """Working and available: may be offered new visits."""
        return self.is_working and self.is_available


class ScheduleWindow(models.Model):
    """One working window on a weekday, in the platform's time zone; several per day are allowed."""

    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="availability_schedule", verbose_name=_("technician")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("schedule window")
        verbose_name_plural = _("weekly schedule")
        ordering = ["technician", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="window_start_before_end"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """Whole days a technician does not work (holiday, training, sick leave), both ends included."""

    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="time_off", verbose_name=_("technician")
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["technician", "start_date"]
        indexes = [models.Index(fields=["technician", "start_date", "end_date"], name="timeoff_range_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lte=F("end_date")), name="timeoff_start_before_end"),
        ]

    def __str__(self):
        return f"{self.technician}: {self.start_date} - {self.end_date}"
