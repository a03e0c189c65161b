from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceArea
from bookings.models import PaymentMethod, Service
from bookings.scheduling import DayPlan, bookable_days


class BookingForm(forms.Form):
    """The patient's booking request, validated in two steps.

    Step "place" needs the area, address and date and works out the free times; steps "review"
    and "confirm" also need one of those times, the payment method and the form's one-time token.
    """

    STEP_PLACE = "place"
    STEP_FULL = "full"

    area = forms.ModelChoiceField(
        label=_("Area"), queryset=ServiceArea.objects.filter(is_active=True), empty_label=_("Choose your area")
    )
    address = forms.CharField(
        label=_("Address of the visit"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.CharField(label=_("Time"), required=False, widget=forms.HiddenInput)
    payment_method = forms.ChoiceField(
        label=_("Payment"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH, required=False
    )
    user_notes = forms.CharField(
        label=_("Notes for the technician (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Entry instructions, parking, anything that helps the visit."),
    )
    request_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, service: Service, step: str = STEP_PLACE, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.step = step
        self.now = now or timezone.now()
        self.free_starts: list[datetime] = []
        first, last = bookable_days(now=self.now)
        self.first_day, self.last_day = first, last
        self.fields["date"].widget.attrs.update(min=first.isoformat(), max=last.isoformat())
        if step == self.STEP_FULL:
            self.fields["start"].required = True
            self.fields["start"].error_messages["required"] = _("Choose a time.")
            self.fields["payment_method"].required = True

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < self.first_day:
            raise forms.ValidationError(
                _("The earliest date you can book is %(day)s."), params={"day": self.first_day.strftime("%d %b %Y")}
            )
        if day > self.last_day:
            raise forms.ValidationError(
                _("Visits can be booked up to %(day)s."), params={"day": self.last_day.strftime("%d %b %Y")}
            )
        return day

    def clean_start(self):
        raw = self.cleaned_data.get("start", "")
        if not raw:
            if self.step == self.STEP_FULL:
                raise forms.ValidationError(_("Choose a time."))
            return None
        try:
            start = datetime.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(_("Choose one of the times shown.")) from None
        if timezone.is_naive(start):
            raise forms.ValidationError(_("Choose one of the times shown."))
        return start

    def clean(self):
        cleaned = super().clean()
        area, day = cleaned.get("area"), cleaned.get("date")
        if area is None or day is None:
            return cleaned
        self.free_starts = DayPlan(service=self.service, area=area, day=day, now=self.now).free_starts()
        start = cleaned.get("start")
        if start is not None and start not in self.free_starts:
            self.add_error("start", _("This time was just taken. Please choose another time."))
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PaymentForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        min_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
        help_text=_("Test gateway: 4242 4242 4242 4242 succeeds, any other number is declined."),
    )

    def clean_card_number(self):
        number = self.cleaned_data["card_number"]
        if not all(ch.isdigit() or ch in " -" for ch in number):
            raise forms.ValidationError(_("Enter digits only (spaces are fine)."))
        return number


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    review = forms.CharField(
        label=_("Your review (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
