"""Forms that write health records: validation and conversion only.

The record page is one HTML form made of several Django forms: the record itself, its vitals,
medication rows and lab-result rows (formsets: a row left empty is no row), documents, and, for a
correction, the reason. `RecordFormSet.from_request` builds them together.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from records import documents as document_checks
from records.models import (
    RECORD_CONTENT_FIELDS,
    RECORD_STRUCTURED_FIELDS,
    WRITABLE_STATUSES,
    HealthRecord,
    RecordType,
)
from records.vitals import VITALS, to_json

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class RecordForm(forms.ModelForm):
    follow_up_required = forms.TypedChoiceField(
        label=_("Follow-up needed?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether a follow-up is needed.")},
    )

    class Meta:
        model = HealthRecord
        fields = [name for name in RECORD_CONTENT_FIELDS if name not in RECORD_STRUCTURED_FIELDS]
        labels = {
            "record_type": _("Type of record"),
            "record_date": _("Date of the visit"),
            "diagnosis": _("Diagnosis or findings"),
            "treatment": _("Treatment given"),
            "provider_name": _("Provider name"),
            "provider_notes": _("Provider notes"),
            "follow_up_date": _("Follow-up date"),
        }
        help_texts = {"follow_up_date": _("Needed when a follow-up is needed; today or later.")}
        widgets = {
            "record_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "follow_up_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "diagnosis": forms.Textarea(attrs={"rows": 3}),
            "treatment": forms.Textarea(attrs={"rows": 3}),
            "provider_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["record_type"].choices = [("", _("Choose a type")), *RecordType.choices]
        self.fields["record_date"].widget.attrs["max"] = self.today.isoformat()
        self.fields["follow_up_date"].widget.attrs["min"] = self.today.isoformat()
        if self.instance.pk is not None:
            self.initial["follow_up_required"] = "yes" if self.instance.follow_up_required else "no"

    def clean_record_date(self):
        record_date = self.cleaned_data["record_date"]
        if record_date > self.today:
            raise ValidationError(_("The date of the visit cannot be in the future."))
        return record_date

    def clean(self):
        cleaned = super().clean()
        required = cleaned.get("follow_up_required")
        follow_up = cleaned.get("follow_up_date")
        if required and follow_up is None and "follow_up_date" not in self.errors:
            self.add_error("follow_up_date", _("Enter the follow-up date."))
        elif (
            required
            and follow_up is not None
            and follow_up < self.today
            and follow_up != self.initial.get("follow_up_date")
        ):
            # A correction may keep a follow-up date that has passed since; a new one must be ahead.
            self.add_error("follow_up_date", _("The follow-up date cannot be in the past."))
        elif required is False:
            cleaned["follow_up_date"] = None
        return cleaned

    def _post_clean(self):
        # The model's constraint needs a date for a follow-up; `clean` has said so next to the field.
        if "follow_up_date" in self.errors:
            return
        super()._post_clean()


class VitalsForm(forms.Form):
    """One optional field per vital, each with its unit and the range a person can have."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, vital in VITALS.items():
            places = vital.decimal_places
            self.fields[key] = forms.DecimalField(
                label=f"{vital.label} ({vital.unit})",
                required=False,
                max_digits=None,
                decimal_places=places,
                error_messages={
                    "max_decimal_places": _("Enter a whole number.")
                    if places == 0
                    else _("Enter at most one decimal place."),
                    "invalid": _("Enter a number."),
                },
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal" if places else "numeric"}),
            )

    def clean(self):
        cleaned = super().clean()
        for key, vital in VITALS.items():
            value = cleaned.get(key)
            message = vital.range_error(value) if value is not None else None
            if message:
                self.add_error(key, message)
        systolic = cleaned.get("blood_pressure_systolic")
        diastolic = cleaned.get("blood_pressure_diastolic")
        if self.errors.keys() & {"blood_pressure_systolic", "blood_pressure_diastolic"}:
            return cleaned
        if systolic is not None and diastolic is None:
            self.add_error("blood_pressure_diastolic", _("Enter the diastolic pressure too."))
        elif diastolic is not None and systolic is None:
            self.add_error("blood_pressure_systolic", _("Enter the systolic pressure too."))
        elif systolic is not None and diastolic >= systolic:
            self.add_error("blood_pressure_diastolic", _("The diastolic pressure must be below the systolic."))
        return cleaned

    @classmethod
    def initial_from(cls, vitals: dict) -> dict:
        return {key: value for key, value in (vitals or {}).items() if key in VITALS}

    def stored(self) -> dict:
        return to_json(self.cleaned_data)


class RowForm(forms.Form):
    """A medication or lab-result row: all fields blank is no row; otherwise `required` must be there."""

    required: tuple[str, ...] = ()
    messages: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self):
        cleaned = super().clean()
        if any(cleaned.get(name) for name in self.fields):
            for name in self.required:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, self.messages[name])
        return cleaned

    def row(self) -> dict[str, str] | None:
        data = {name: (self.cleaned_data.get(name) or "").strip() for name in self.fields}
        return data if any(data.values()) else None


class MedicationForm(RowForm):
    name = forms.CharField(label=_("Medication"), max_length=200)
    dose = forms.CharField(label=_("Dose"), max_length=100)
    frequency = forms.CharField(label=_("How often"), max_length=100)

    required = ("name",)
    messages = {"name": _("Enter the medication's name.")}


class LabResultForm(RowForm):
    test = forms.CharField(label=_("Test"), max_length=200)
    value = forms.CharField(label=_("Result"), max_length=100)
    unit = forms.CharField(label=_("Unit"), max_length=50)
    reference_range = forms.CharField(label=_("Reference range"), max_length=100)

    required = ("test", "value")
    messages = {"test": _("Enter the test's name."), "value": _("Enter the result.")}


class BaseRowFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, str]]:
        return [row for row in (form.row() for form in self.forms) if row is not None]


MAX_ROWS = 30
MedicationFormSet = forms.formset_factory(
    MedicationForm, formset=BaseRowFormSet, extra=1, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
)
LabResultFormSet = forms.formset_factory(
    LabResultForm, formset=BaseRowFormSet, extra=1, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several files in one input, each checked by its content (see `records.documents`)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        if len(uploads) > document_checks.MAX_DOCUMENTS_PER_UPLOAD:
            raise ValidationError(
                _("Upload at most %(count)d documents at a time.") % {"count": document_checks.MAX_DOCUMENTS_PER_UPLOAD}
            )
        errors = []
        for upload in uploads:
            try:
                document_checks.check_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return uploads


class DocumentsForm(forms.Form):
    documents = DocumentsField(
        label=_("Attach files"),
        required=False,
        help_text=_("PDF, JPEG or PNG, up to 10 MB each."),
        widget=MultipleFileInput(attrs={"accept": document_checks.ACCEPT}),
    )


class AmendmentReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the values that are replaced."),
        error_messages={"required": _("Say why the record is being corrected.")},
    )


class BreakGlassForm(forms.Form):
    """Why an administrator opens a patient's record (`records.break_glass`)."""

    reason = forms.CharField(
        label=_("Why do you need to open this record?"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example the patient's request or the complaint you are looking into. The patient sees this "
            "reason, and every administrator gets it in the daily summary: write no health details."
        ),
        error_messages={
            "required": _("Say why you need to open this record."),
            "min_length": _("Say why in a few words (at least %(limit_value)d characters)."),
        },
    )

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < 10:
            raise ValidationError(self.fields["reason"].error_messages["min_length"], params={"limit_value": 10})
        return reason


class RecordFilterForm(forms.Form):
    record_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *RecordType.choices]
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class RecordForms:
    """The record page's forms, bound or not, validated together."""

    def __init__(self, *, data=None, files=None, record: HealthRecord | None = None, initial=None, amend=False):
        record = record or HealthRecord()
        self.record = RecordForm(data, instance=record, initial=initial)
        self.vitals = VitalsForm(data, prefix="vitals", initial=VitalsForm.initial_from(record.vitals))
        self.medications = MedicationFormSet(data, prefix="medications", initial=record.medications or None)
        self.lab_results = LabResultFormSet(data, prefix="labs", initial=record.lab_results or None)
        self.documents = DocumentsForm(data, files)
        self.reason = AmendmentReasonForm(data) if amend else None

    @property
    def all(self):
        forms_ = [self.record, self.vitals, self.medications, self.lab_results, self.documents]
        return forms_ + ([self.reason] if self.reason is not None else [])

    def is_valid(self) -> bool:
        # Every form is validated (no short cut), so each shows its own errors at once.
        results = [form.is_valid() for form in self.all]
        return all(results)

    def values(self) -> dict:
        """The record's fields as the services take them."""
        values = {name: self.record.cleaned_data[name] for name in RecordForm.Meta.fields}
        values["vitals"] = self.vitals.stored()
        values["medications"] = self.medications.rows()
        values["lab_results"] = self.lab_results.rows()
        return values

    @property
    def uploads(self):
        return self.documents.cleaned_data["documents"]


def _json_errors(form: forms.Form) -> list[str]:
    return [f"{form.fields[name].label}: {message}" for name, messages in form.errors.items() for message in messages]


class HealthRecordAdminForm(forms.ModelForm):
    """The back office edits the structured fields as JSON; they get the same checks as the record page."""

    class Meta:
        model = HealthRecord
        fields = ["user", "booking", *RECORD_CONTENT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        booking, patient = cleaned.get("booking"), cleaned.get("user")
        if booking is not None and patient is not None and booking.user_id != patient.pk:
            self.add_error("booking", _("This visit belongs to another patient."))
        elif booking is not None and self.instance.pk is None and booking.status not in WRITABLE_STATUSES:
            self.add_error("booking", _("A record can be written once the visit has started."))
        return cleaned

    def clean_vitals(self):
        vitals = self.cleaned_data.get("vitals") or {}
        if not isinstance(vitals, dict):
            raise ValidationError(_('Enter the vitals as an object, e.g. {"heart_rate": 72}.'))
        unknown = sorted(set(vitals) - set(VITALS))
        if unknown:
            raise ValidationError(
                _("Unknown vitals: %(names)s. Known: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(VITALS)}
            )
        form = VitalsForm({f"vitals-{key}": str(value) for key, value in vitals.items()}, prefix="vitals")
        if not form.is_valid():
            raise ValidationError(_json_errors(form))
        return form.stored()

    def _rows(self, name: str, row_form: type[RowForm]) -> list[dict[str, str]]:
        rows = self.cleaned_data.get(name) or []
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ValidationError(_("Enter a list of objects."))
        cleaned = []
        for row in rows:
            form = row_form({key: str(value) for key, value in row.items()})
            if not form.is_valid():
                raise ValidationError(_json_errors(form))
            if form.row() is not None:
                cleaned.append(form.row())
        return cleaned

    def clean_medications(self):
        return self._rows("medications", MedicationForm)

    def clean_lab_results(self):
        return self._rows("lab_results", LabResultForm)
