"""Forms of the technician portal: validation and conversion only; the services save."""

from __future__ import annotations

import io
import uuid
from datetime import date
from itertools import pairwise

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.forms import BaseSignUpForm
from accounts.models import ServiceArea
from homecure.base.dates import format_when
from technicians.models import Specialization, Technician, Weekday
from technicians.services import LICENSE_TAKEN, Window

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png"}
# Larger pictures are refused before decoding (a small file can claim a huge size) and
# stored ones are scaled down: the portal never shows a photo bigger than this.
PHOTO_MAX_SIDE = 8000
PHOTO_STORED_SIDE = 800

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def normalize_license(value: str) -> str:
    return " ".join((value or "").split()).upper()


def _license_taken(license_number: str, *, exclude_pk: int | None = None) -> bool:
    """Whether a technician holds the licence.

    Sign-ups waiting for their link hold none, this address's or another's: a licence is claimed
    when the address is confirmed (`technician_claim_license`), so a sign-up with somebody else's
    licence and an address nobody opens keeps nobody out. The licence of an account in use counts
    on "Work with us" whatever the address typed, so the answer says nothing about who has an account.
    """
    technicians = Technician.objects.filter(license_number__iexact=license_number, holds_license=True)
    if exclude_pk is not None:
        technicians = technicians.exclude(pk=exclude_pk)
    return technicians.exists()


class TechnicianSignUpForm(BaseSignUpForm):
    """The "Work with us" form: an account plus what the office checks first (specialization and license)."""

    required_fields = ("first_name", "last_name", "phone")
    middle_fields = ("phone", "specialization", "license_number")
    specialization = forms.ChoiceField(label=_("Specialization"), choices=Specialization.choices)
    license_number = forms.CharField(
        label=_("Professional license number"),
        max_length=50,
        help_text=_("As shown on your registration with the professional body; the office checks it."),
    )

    class Meta(BaseSignUpForm.Meta):
        fields = [*BaseSignUpForm.Meta.fields, "phone"]
        labels = {**BaseSignUpForm.Meta.labels, "phone": _("Mobile phone")}
        help_texts = {"phone": _("Patients and the office call this number about your visits.")}

    def clean_license_number(self):
        return normalize_license(self.cleaned_data["license_number"])

    def clean(self):
        cleaned = super().clean()
        license_number = cleaned.get("license_number")
        if license_number and _license_taken(license_number):
            self.add_error("license_number", forms.ValidationError(LICENSE_TAKEN, code="unique"))
        return cleaned


class PhotoField(forms.ImageField):
    """An image upload checked for size, in bytes and in pixels, before Pillow decodes any of it.

    A picture's pixel count comes from its header, which says nothing of the file's size: a PNG of
    a few kilobytes can unpack to 8000 by 8000 pixels, hundreds of megabytes once decoded. Such a
    picture is refused from its header (`Image.open` reads no more), before the photo is decoded
    to be scaled down (`_reencode`).
    """

    def to_python(self, data):
        if data and getattr(data, "size", 0) > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 5 MB. Please choose a smaller one."))
        if data:
            _check_pixels(data)
        return super().to_python(data)


def _check_pixels(upload) -> None:
    upload.seek(0)
    try:
        with Image.open(upload) as header:
            width, height = header.size
    except Image.DecompressionBombError:
        width = height = None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return  # not a picture at all: the ImageField says so next
    finally:
        upload.seek(0)
    if width is None or width * height > settings.IMAGE_MAX_PIXELS:
        raise forms.ValidationError(
            _("The photo has more than %(limit)s megapixels. Please choose a smaller one."),
            params={"limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        )


class ProfileForm(forms.ModelForm):
    """The professional profile. Specialization and license number are read-only once verified."""

    photo = PhotoField(
        label=_("Photo"),
        required=False,
        help_text=_("A clear photo of your face, JPEG or PNG, up to 5 MB. Patients see it before the visit."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    class Meta:
        model = Technician
        fields = ["specialization", "license_number", "experience_years", "service_areas", "bio"]
        labels = {
            "license_number": _("Professional license number"),
            "experience_years": _("Years of experience"),
            "service_areas": _("Areas you work in"),
            "bio": _("About you"),
        }
        widgets = {
            "service_areas": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "service_areas": _("You are offered visits in these districts only."),
            "bio": _("A few lines patients read before the visit: training, what you enjoy, languages you speak."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        areas = ServiceArea.objects.filter(is_active=True)
        if self.instance.pk:
            areas = areas | self.instance.service_areas.all()
        self.fields["service_areas"].queryset = areas.distinct().order_by("name")
        self.fields["service_areas"].required = True
        self.fields["service_areas"].error_messages["required"] = _("Choose at least one area.")
        self.locked = bool(self.instance.pk and self.instance.is_verified)
        if self.locked:
            for name in ("specialization", "license_number"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Verified by the office; write to us to change it.")
        if not (self.instance.pk and self.instance.profile_picture):
            del self.fields["remove_photo"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("specialization", css_class="col-sm-6"), Column("license_number", css_class="col-sm-6")),
            "experience_years",
            "service_areas",
            "bio",
            "photo",
            *(["remove_photo"] if "remove_photo" in self.fields else []),
        )

    def clean_license_number(self):
        license_number = normalize_license(self.cleaned_data["license_number"])
        if not self.locked and _license_taken(license_number, exclude_pk=self.instance.pk):
            raise forms.ValidationError(LICENSE_TAKEN, code="unique")
        return license_number

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        image_format = getattr(upload.image, "format", None)
        if image_format not in PHOTO_FORMATS:
            raise forms.ValidationError(_("Upload a JPEG or PNG photo."))
        width, height = upload.image.size
        if max(width, height) > PHOTO_MAX_SIDE:
            raise forms.ValidationError(
                _("The photo is %(width)s by %(height)s pixels; the most allowed is %(side)s on either side."),
                params={"width": width, "height": height, "side": PHOTO_MAX_SIDE},
            )
        return _reencode(upload, image_format)


def _reencode(upload, image_format: str) -> ContentFile:
    """The photo decoded and saved again, smaller and without its metadata (camera, GPS position),
    under a random name: what is stored is a picture and nothing else."""
    upload.seek(0)
    with Image.open(upload) as original:
        picture = ImageOps.exif_transpose(original)
        picture.thumbnail((PHOTO_STORED_SIDE, PHOTO_STORED_SIDE))
        if image_format == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        buffer = io.BytesIO()
        picture.save(buffer, format=image_format)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image_format]}")


class CertificationForm(forms.Form):
    name = forms.CharField(label=_("Certification"), max_length=120)
    issuer = forms.CharField(label=_("Issued by"), max_length=120)
    expiry = forms.DateField(label=_("Valid until"), widget=DATE_INPUT)

    def clean_expiry(self):
        expiry = self.cleaned_data["expiry"]
        if expiry < timezone.localdate():
            raise forms.ValidationError(
                _("This certification expired on %(day)s; list only current ones."),
                params={"day": format_when(expiry, "short_date")},
            )
        return expiry


class BaseCertificationFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this certification")

    def as_json(self) -> list[dict]:
        """The rows kept, as stored in `Technician.certifications`."""
        return [
            {
                "name": form.cleaned_data["name"],
                "issuer": form.cleaned_data["issuer"],
                "expiry": form.cleaned_data["expiry"].isoformat(),
            }
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


CertificationFormSet = forms.formset_factory(
    CertificationForm, formset=BaseCertificationFormSet, extra=1, can_delete=True, max_num=10, validate_max=True
)


def certification_initial(certifications) -> list[dict]:
    """Stored rows as form data; a row edited by hand in the admin with a bad date keeps an empty date."""
    rows = []
    for item in certifications if isinstance(certifications, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            expiry = date.fromisoformat(str(item.get("expiry", "")))
        except ValueError:
            expiry = None
        rows.append({"name": item.get("name", ""), "issuer": item.get("issuer", ""), "expiry": expiry})
    return rows


class ScheduleWindowForm(forms.Form):
    # The empty choice keeps the blank rows offered for new windows unchanged, so they are skipped.
    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=[("", _("Choose a day")), *Weekday.choices], coerce=int, empty_value=None
    )
    start_time = forms.TimeField(label=_("From"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Until"), widget=TIME_INPUT)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start is not None and end is not None and end <= start:
            self.add_error(
                "end_time", _("The end must be later than the start (%(start)s).") % {"start": f"{start:%H:%M}"}
            )
        return cleaned


class BaseScheduleFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove")

    def clean(self):
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        kept.sort(key=lambda form: (form.cleaned_data["weekday"], form.cleaned_data["start_time"]))
        for earlier, later in pairwise(kept):
            first, second = earlier.cleaned_data, later.cleaned_data
            if first["weekday"] == second["weekday"] and second["start_time"] < first["end_time"]:
                later.add_error(
                    "start_time",
                    _("This overlaps your %(day)s window %(start)s to %(end)s.")
                    % {
                        "day": Weekday(first["weekday"]).label,
                        "start": f"{first['start_time']:%H:%M}",
                        "end": f"{first['end_time']:%H:%M}",
                    },
                )

    def windows(self) -> list[Window]:
        return [
            Window(
                weekday=form.cleaned_data["weekday"],
                start=form.cleaned_data["start_time"],
                end=form.cleaned_data["end_time"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


ScheduleFormSet = forms.formset_factory(
    ScheduleWindowForm, formset=BaseScheduleFormSet, extra=2, can_delete=True, max_num=42, validate_max=True
)


class TimeOffForm(forms.Form):
    start_date = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    end_date = forms.DateField(label=_("Last day"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=200, required=False, help_text=_("Only the office sees it.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("start_date", css_class="col-6"), Column("end_date", css_class="col-6")), "reason"
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day must be on or after the first day."))
        return cleaned
