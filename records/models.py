"""Health records written at a visit.

`vitals`, `medications` and `lab_results` stay JSON as the seed has them: they are read as a
whole with their record and never filtered on, and the forms that write them validate every
value (see `records.vitals`). The seed's `documents` (a JSON list of URLs) is a relation here
(`HealthDocument`, related name `documents`): each file needs its own size, type and owner
checks, and must never have a public URL.

Reads and corrections are kept beside the record: `RecordAccess` is one row per read by anyone
but the patient, `RecordAmendment` one row per correction with the values it replaced. Both are
append-only.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homecure.base.choices import ChoiceLabels
from homecure.base.timestamps import TouchesUpdatedAt, TouchingQuerySet
from records import vitals as vital_signs
from technicians.selectors import name_for_patients

# The author may correct a record for this long after writing it; administrators at any time.
AMENDMENT_WINDOW = timedelta(hours=24)

# Visits a record can be written for: once the technician is at the door, and afterwards.
WRITABLE_STATUSES = ("in_progress", "completed")

#: What a health record says, as its author writes it: the record page, a correction and the
#: back office change these fields and no others.
RECORD_CONTENT_FIELDS = (
    "record_type",
    "record_date",
    "diagnosis",
    "treatment",
    "provider_name",
    "provider_notes",
    "follow_up_required",
    "follow_up_date",
    "vitals",
    "medications",
    "lab_results",
)
#: The content fields held as JSON, which the record page edits as lists beside the main form.
RECORD_STRUCTURED_FIELDS = ("vitals", "medications", "lab_results")

# File name extension per accepted document type; the type comes from the file's content.
DOCUMENT_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class RecordType(models.TextChoices):
    CHECKUP = "checkup", _("Check-up")
    THERAPY = "therapy", _("Therapy session")
    CONSULTATION = "consultation", _("Consultation")
    LAB = "lab", _("Lab results")
    WOUND_CARE = "wound_care", _("Wound care")
    VACCINATION = "vaccination", _("Vaccination")
    OTHER = "other", _("Other")


class HealthRecord(ChoiceLabels, TouchesUpdatedAt, models.Model):
    # The record form's one-time token: a resubmitted or double-clicked form finds the record it
    # already wrote instead of writing a second one.
    request_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
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

    objects = TouchingQuerySet.as_manager()

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")
        ordering = ["-record_date", "-created_at"]
        indexes = [
            models.Index(fields=["user", "-record_date"], name="record_user_date_idx"),
            models.Index(fields=["user", "record_type", "-record_date"], name="record_user_type_idx"),
            # The back office's list of all records, latest first (it adds the key to the order):
            # its first page reads 100 index entries instead of sorting every record.
            models.Index(fields=["-record_date", "-created_at", "-id"], name="record_date_desc_idx"),
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

    @property
    def amendable_until(self):
        """When the author's correction window closes."""
        return self.created_at + AMENDMENT_WINDOW

    def readings(self) -> list[vital_signs.Reading]:
        return vital_signs.readings(self.vitals or {}, self.vital_flags or [])

    def blood_pressure(self) -> vital_signs.BloodPressure | None:
        return vital_signs.blood_pressure(self.vitals or {})


def document_upload_to(instance: "HealthDocument", filename: str) -> str:
    """A random name: the stored path tells nothing about the patient or the file's original name."""
    extension = DOCUMENT_EXTENSIONS.get(instance.content_type, "")
    return f"records/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class HealthDocument(models.Model):
    """A file attached to a record, stored in private storage and served only by a checked view."""

    record = models.ForeignKey(
        HealthRecord, on_delete=models.CASCADE, related_name="documents", verbose_name=_("record")
    )
    file = models.FileField(_("file"), upload_to=document_upload_to)
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


class AccessReason(models.TextChoices):
    """Why a reader other than the patient was allowed to read a record (DESIGN 5)."""

    AUTHOR = "author", _("Wrote the record")
    ASSIGNED_VISIT = "assigned_visit", _("Technician of a recent, current or upcoming visit")
    ADMIN = "admin", _("Administrator")


class AccessKind(models.TextChoices):
    VIEW = "view", _("Viewed the record")
    PRINT = "print", _("Opened the printable record")
    DOCUMENT = "document", _("Downloaded a document")
    CORRECTION = "correction", _("Opened the record to correct it")
    BACK_OFFICE = "back_office", _("Viewed the record in the back office")


class AppendOnly(models.Model):
    """An audit row: written once, never changed or deleted through the application."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Audit entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit entries cannot be deleted."))


class RecordAccess(AppendOnly):
    """One read of a record by someone other than its patient: who, when, what, from where and why."""

    record = models.ForeignKey(
        HealthRecord, on_delete=models.CASCADE, related_name="accesses", verbose_name=_("record")
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="record_reads",
        verbose_name=_("reader"),
    )
    # Kept as text too, so the patient still sees who it was if the reader's account is removed.
    reader_name = models.CharField(_("reader name"), max_length=300)
    reason = models.CharField(_("allowed as"), max_length=20, choices=AccessReason.choices)
    kind = models.CharField(_("what"), max_length=20, choices=AccessKind.choices)
    document = models.ForeignKey(
        HealthDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    # What an administrator said before opening the record (`records.break_glass`); "" for the others.
    reason_given = models.TextField(_("reason given"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("record read")
        verbose_name_plural = _("record reads")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["record", "-created_at"], name="recordaccess_record_idx")]

    def __str__(self):
        return f"{self.reader_name} · {self.get_kind_display()} · {self.record}"

    @property
    def reader_for_patient(self) -> str:
        """The reader as the patient sees them: name and role only (`name_for_patients`)."""
        return name_for_patients(self.reader, fallback=self.reader_name)


class RecordAmendment(AppendOnly):
    """A correction of a record, with the values it replaced and the ones it wrote."""

    record = models.ForeignKey(
        HealthRecord, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("record")
    )
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("amended by"),
    )
    amended_by_name = models.CharField(_("amended by (name)"), max_length=300)
    reason = models.CharField(_("reason"), max_length=500)
    previous_values = models.JSONField(_("previous values"), default=dict)
    new_values = models.JSONField(_("new values"), default=dict)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["record", "created_at", "pk"]

    def __str__(self):
        return _("%(record)s, corrected %(when)s") % {
            "record": self.record,
            "when": f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M}",
        }

    @property
    def amended_by_for_patient(self) -> str:
        """Who corrected the record, by name and role only (`name_for_patients`)."""
        return name_for_patients(self.amended_by, fallback=self.amended_by_name)

    def previous_display(self) -> list[tuple[str, str]]:
        """(field name, value before) pairs in words, for the record page."""
        return [(_field_label(name), _display_value(name, value)) for name, value in self.previous_values.items()]


def _field_label(name: str) -> str:
    try:
        return str(HealthRecord._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


def _display_value(name: str, value) -> str:
    """A stored record value in words: vitals with units, rows joined, yes/no for flags."""
    if name == "vitals" and isinstance(value, dict):
        return ", ".join(f"{r.label} {r.display_value}" for r in vital_signs.readings(value, []))
    if name == "vital_flags" and isinstance(value, list):
        return ", ".join(
            str(vital_signs.VITALS[f["vital"]].label) for f in value if f.get("vital") in vital_signs.VITALS
        )
    if isinstance(value, list):
        return "; ".join(" ".join(str(part) for part in row.values() if part) for row in value if isinstance(row, dict))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if name == "record_type" and value in RecordType.values:
        return str(RecordType(value).label)
    return "" if value is None else str(value)
