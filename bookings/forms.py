from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceArea
from bookings.models import Booking, DayPart, PaymentMethod, SeriesRepeat, Service
from bookings.scheduling import DayPlan, bookable_days, free_times, free_times_by_day
from bookings.series import RepeatRule, SeriesRequest
from bookings.services import CHECK_IN_CODE_LENGTH, REFERENCE_ALPHABET, normalize_check_in_code
from homecure.base.dates import format_when
from homecure.base.money import format_money
from homecure.base.system_settings import get_setting
from technicians.models import Weekday


class FreeTimeForm(forms.Form):
    """A date and one of that day's free start times, validated in two steps.

    Step "place" needs the date (and what the subclass's `day_plan` needs) and works out the free
    times; step "full" also needs one of those times. The booking form and the change-of-time
    form are both made of it, so they offer and accept the same times.
    """

    STEP_PLACE = "place"
    STEP_FULL = "full"
    # The free times asked for by a GET: only the place and the day count.
    STEP_QUERY = "query"

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.CharField(label=_("Time"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, step: str = STEP_PLACE, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        self.now = now or timezone.now()
        self.free_starts: list[datetime] = []
        # Whether the form had what the free times need (a valid day, and what `free_starts_of` needs).
        self.times_asked = False
        first, last = bookable_days(now=self.now)
        self.first_day, self.last_day = first, last
        self.fields["date"].widget.attrs.update(min=first.isoformat(), max=last.isoformat())
        if step == self.STEP_FULL:
            self.fields["start"].required = True
            self.fields["start"].error_messages["required"] = _("Choose a time.")

    def day_plan(self, cleaned: dict, day: date) -> DayPlan | None:
        """The plan of `day` the free times come from, or None while the form lacks what it needs."""
        raise NotImplementedError

    def offered_starts(self, plan: DayPlan) -> list[datetime]:
        return plan.free_starts()

    def free_starts_of(self, cleaned: dict, day: date) -> list[datetime] | None:
        """The times offered on `day`, or None while the form lacks what it needs."""
        plan = self.day_plan(cleaned, day)
        return None if plan is None else self.offered_starts(plan)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < self.first_day:
            raise forms.ValidationError(
                _("The earliest date you can book is %(day)s."),
                params={"day": format_when(self.first_day, "short_date")},
            )
        if day > self.last_day:
            raise forms.ValidationError(
                _("Visits can be booked up to %(day)s."), params={"day": format_when(self.last_day, "short_date")}
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
        day = cleaned.get("date")
        free_starts = self.free_starts_of(cleaned, day) if day is not None else None
        if free_starts is None:
            return cleaned
        self.times_asked = True
        self.free_starts = free_starts
        start = cleaned.get("start")
        if start is not None and start not in self.free_starts:
            self.add_error("start", _("This time was just taken. Please choose another time."))
        return cleaned


class BookingForm(FreeTimeForm):
    """The patient's booking request: where, when (a `FreeTimeForm`), how they pay, and the form's
    one-time token, which steps "review" and "confirm" need."""

    area = forms.ModelChoiceField(
        label=_("Area"), queryset=ServiceArea.objects.filter(is_active=True), empty_label=_("Choose your area")
    )
    address = forms.CharField(
        label=_("Address of the visit"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
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

    field_order = ["area", "address", "date", "start", "payment_method", "user_notes", "request_token"]

    # How many days after the chosen one the row of days looks at.
    NEXT_DAYS = 7

    def __init__(self, *args, service: Service, step: str = FreeTimeForm.STEP_PLACE, **kwargs):
        self.service = service
        self.next_days: list[tuple[date, int]] = []
        super().__init__(*args, step=step, **kwargs)
        if step == self.STEP_FULL:
            self.fields["payment_method"].required = True
        if step == self.STEP_QUERY:
            self.fields["address"].required = False
        # The area and the date are asked for with a GET (the page's free-times form).
        for name in ("area", "date"):
            self.fields[name].widget.attrs["form"] = "free-times-query"

    def free_starts_of(self, cleaned, day):
        """The day's free times; while the patient is choosing, also the next days that have some
        (`next_days`: each day with how many free times), worked out together."""
        area = cleaned.get("area")
        if area is None:
            return None
        if self.step == self.STEP_FULL:
            return free_times(service=self.service, area=area, day=day, now=self.now)
        days = [day + timedelta(days=i) for i in range(self.NEXT_DAYS + 1)]
        by_day = free_times_by_day(service=self.service, area=area, days=days, now=self.now)
        self.next_days = [(later, len(by_day[later])) for later in days[1:] if by_day[later]]
        return by_day[day]


class RescheduleForm(FreeTimeForm):
    """A new time for a booking: the times its service is free in its area, its own slot not counted
    as busy (the technician may simply move it by an hour), its current time not offered."""

    def __init__(self, *args, booking: Booking, **kwargs):
        self.booking = booking
        super().__init__(*args, **kwargs)

    def day_plan(self, cleaned, day):
        return DayPlan(
            service=self.booking.service,
            area=self.booking.service_area,
            day=day,
            now=self.now,
            ignore_booking=self.booking.pk,
        )

    def offered_starts(self, plan):
        return [start for start in plan.free_starts() if start != self.booking.scheduled_start]


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


# --- The technician portal ---------------------------------------------------------------------------------


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can't you take this visit?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason.")},
    )


class CompleteForm(forms.Form):
    technician_notes = forms.CharField(
        label=_("Visit notes"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What you did and anything the office should know. The office reads these notes, and the patient "
            "gets them in the copy of their data they can download."
        ),
    )
    payment_collected = forms.BooleanField(required=False)

    def __init__(self, *args, booking: Booking, **kwargs):
        super().__init__(*args, **kwargs)
        if booking.collects_payment_at_door:
            self.fields["payment_collected"].label = _("I collected the payment of %(amount)s (%(method)s)") % {
                "amount": format_money(booking.total_amount),
                "method": booking.get_payment_method_display().lower(),
            }
        else:
            del self.fields["payment_collected"]


class NoShowForm(forms.Form):
    note = forms.CharField(
        label=_("What happened? (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: rang twice and called the patient's phone, no answer."),
    )


class CheckInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=20,
        help_text=_("The 8 letters and digits under the patient's QR code."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )

    def clean_code(self):
        code = normalize_check_in_code(self.cleaned_data["code"])
        if len(code) != CHECK_IN_CODE_LENGTH or any(ch not in REFERENCE_ALPHABET for ch in code):
            raise forms.ValidationError(_("A check-in code has 8 letters and digits, like K7PM-2XQA."))
        return code


class WaitlistForm(forms.Form):
    """What a patient waits for: a service in an area, a day or a range of days, a part of the day.
    The rules on the days are `bookings.waitlist`'s, whose errors the view shows on the form."""

    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.filter(is_active=True), empty_label=_("Choose a service")
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=ServiceArea.objects.filter(is_active=True), empty_label=_("Choose your area")
    )
    address = forms.CharField(
        label=_("Address of the visit"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    first_day = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to wait for one day only."),
    )
    day_part = forms.ChoiceField(label=_("Part of the day"), choices=DayPart.choices, initial=DayPart.ANY)


# --- Care plans (visit series) ------------------------------------------------------------------------------


class SeriesForm(forms.Form):
    """A care plan request: where, the first date and time, the repeat rule, a count or an end date."""

    area = BookingForm.base_fields["area"]
    address = BookingForm.base_fields["address"]
    first_date = forms.DateField(label=_("First visit"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time of every visit"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"), choices=SeriesRepeat.choices, initial=SeriesRepeat.WEEKDAYS, widget=forms.RadioSelect
    )
    interval_days = forms.IntegerField(
        label=_("Every how many days"), min_value=1, max_value=28, required=False, initial=2
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On these weekdays"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    count = forms.IntegerField(label=_("Number of visits"), min_value=2, required=False)
    until = forms.DateField(
        label=_("Or until (last date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    payment_method = forms.ChoiceField(
        label=_("Payment (for each visit)"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH
    )
    user_notes = BookingForm.base_fields["user_notes"]
    request_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, service: Service, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.now = now or timezone.now()
        self.first_day, self.last_day = bookable_days(now=self.now)
        self.max_visits = get_setting("series_max_visits")
        self.fields["first_date"].widget.attrs.update(min=self.first_day.isoformat(), max=self.last_day.isoformat())
        self.fields["count"].max_value = self.max_visits
        self.fields["count"].validators.append(MaxValueValidator(self.max_visits))
        self.fields["count"].widget.attrs["max"] = self.max_visits
        self.fields["count"].help_text = _("At most %(max)s visits.") % {"max": self.max_visits}

    def clean_first_date(self):
        day = self.cleaned_data["first_date"]
        if not self.first_day <= day <= self.last_day:
            raise forms.ValidationError(
                _("Choose a first visit from %(first)s to %(last)s."),
                params={
                    "first": format_when(self.first_day, "short_date"),
                    "last": format_when(self.last_day, "short_date"),
                },
            )
        return day

    def clean_time(self):
        wall = self.cleaned_data["time"]
        step = get_setting("booking_slot_minutes")
        if (wall.hour * 60 + wall.minute) % step or wall.second:
            raise forms.ValidationError(
                _("Visits start every %(step)s minutes: choose such a time."), params={"step": step}
            )
        return wall

    def clean(self):
        cleaned = super().clean()
        repeat, first = cleaned.get("repeat"), cleaned.get("first_date")
        if repeat == SeriesRepeat.EVERY_N_DAYS and not cleaned.get("interval_days"):
            self.add_error("interval_days", _("Say every how many days."))
        if repeat == SeriesRepeat.WEEKDAYS:
            weekdays = cleaned.get("weekdays") or []
            if not weekdays:
                self.add_error("weekdays", _("Choose at least one weekday."))
            elif first is not None and first.weekday() not in weekdays:
                self.add_error(
                    "weekdays",
                    _("The first visit is on a %(day)s: tick it, or choose another first date.")
                    % {"day": Weekday(first.weekday()).label},
                )
        if not cleaned.get("count") and not cleaned.get("until") and "count" not in self.errors:
            self.add_error("count", _("Give the number of visits or the last date."))
        until = cleaned.get("until")
        if until is not None and first is not None and until <= first:
            self.add_error("until", _("The last date must come after the first visit."))
        return cleaned

    def series_request(self) -> SeriesRequest:
        data = self.cleaned_data
        rule = RepeatRule(
            repeat=data["repeat"],
            interval_days=data.get("interval_days") if data["repeat"] == SeriesRepeat.EVERY_N_DAYS else None,
            weekdays=tuple(sorted(set(data.get("weekdays") or []))) if data["repeat"] == SeriesRepeat.WEEKDAYS else (),
            count=data.get("count"),
            until=data.get("until"),
        )
        return SeriesRequest(
            service=self.service,
            area=data["area"],
            address=data["address"],
            first_day=data["first_date"],
            wall=data["time"],
            rule=rule,
            payment_method=data["payment_method"],
            user_notes=data["user_notes"],
        )


class SeriesCancelForm(forms.Form):
    """Cancel one visit of a plan, or it and every later one."""

    ONE, LATER = "one", "later"

    visit = forms.ModelChoiceField(
        label=_("Visit"), queryset=Booking.objects.none(), to_field_name="reference", empty_label=None
    )
    scope = forms.ChoiceField(
        label=_("Cancel"),
        choices=[(ONE, _("Only this visit")), (LATER, _("This visit and all later ones"))],
        initial=LATER,
        widget=forms.RadioSelect,
    )
    reason = CancelForm.base_fields["reason"]

    def __init__(self, *args, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit"].queryset = visits
        self.fields["visit"].label_from_instance = lambda b: format_when(b.local_start, "short_weekday_datetime")
