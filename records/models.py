"""Health records written at a visit.

`vitals`, `medications` and `lab_results` stay JSON as the seed has them: they are read as a
whole with their record and never filtered on, and the forms that write them validate every
value (see `records.vitals`). The seed's `documents` (a JSON list of URLs) is a relation here
(`HealthDocument`, related name `documents`): each file needs its own size, type and owner
checks, and must never have a public URL.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RecordType(models.TextChoices):
    CHECKUP = "checkup", _("Check-up")
    THERAPY = "therapy", _("Therapy session")
    CONSULTATION = "consultation", _("Consultation")
    LAB = "lab", _("Lab results")
    WOUND_CARE = "wound_care", _("Wound care")
    VACCINATION = "vaccination", _("Vaccination")
    OTHER = "other", _("Other")


class HealthRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="health_records", verbose_name=_("patient")
    )
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="health_records",
        verbose_name=_("visit"),
    )
    record_type = models.CharField(_("type"), max_length=30, choices=RecordType.choices)
    record_date = models.DateField(_("date"))
    diagnosis = models.TextField(_("diagnosis"), max_length=4000, blank=True)
    treatment = models.TextField(_("treatment"), max_length=4000, blank=True)
    medications = models.JSONField(_("medications"), default=list, blank=True)
    vitals = models.JSONField(_("vitals"), default=dict, blank=True)
    vital_flags = models.JSONField(
        _("flagged vitals"), default=list, blank=True, help_text=_("Vitals outside the usual adult range.")
    )
    lab_results = models.JSONField(_("lab results"), default=list, blank=True)
    provider_name = models.CharField(_("provider"), max_length=150, blank=True)
    provider_notes = models.TextField(_("provider notes"), max_length=4000, blank=True)
    follow_up_required = models.BooleanField(_("follow-up required"), default=False)
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_records",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    amended_at = models.DateTimeField(_("amended"), null=True, blank=True)

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")
        ordering = ["-record_date", "-created_at"]
        indexes = [
            models.Index(fields=["user", "-record_date"], name="record_user_date_idx"),
            models.Index(fields=["user", "record_type", "-record_date"], name="record_user_type_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_required=False) | Q(follow_up_date__isnull=False),
                name="record_follow_up_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_record_type_display()} · {self.record_date}"

    def get_absolute_url(self):
        return reverse("records:detail", kwargs={"pk": self.pk})


class HealthDocument(models.Model):
    """A file attached to a record, stored in private storage and served only by a checked view."""

    record = models.ForeignKey(
        HealthRecord, on_delete=models.CASCADE, related_name="documents", verbose_name=_("record")
    )
    file = models.FileField(_("file"), upload_to="records/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["record", "uploaded_at"]

    def __str__(self):
        return self.original_name
