"""Platform settings that operators change at run time, declared once with their types.

`SystemSettings` rows hold the values as text; `SETTINGS` below says what each key means, its
type, default and allowed range. `get_setting(key)` returns the typed value, read through the
cache, which `clear_settings_cache()` empties whenever a row is saved.
"""

import json
import threading
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.signals import request_finished, request_started
from django.dispatch import receiver
from django.utils.translation import gettext as _

from homecure.models import SettingType

CACHE_KEY = "homecure:system-settings:v1"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class SettingSpec:
    key: str
    data_type: str
    default: Any
    category: str
    description: str
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    integer: bool = False
    is_editable: bool = True

    def parse(self, raw: str) -> Any:
        """Turn stored text into the typed value, or raise ValidationError with a clear message."""
        raw = (raw or "").strip()
        if self.data_type == SettingType.BOOLEAN:
            lowered = raw.lower()
            if lowered in {"true", "1", "yes", "on"}:
                return True
            if lowered in {"false", "0", "no", "off"}:
                return False
            raise ValidationError(_("Enter true or false."))
        if self.data_type == SettingType.NUMBER:
            try:
                number = Decimal(raw)
            except InvalidOperation:
                raise ValidationError(_("Enter a number.")) from None
            if not number.is_finite():
                raise ValidationError(_("Enter a number."))
            if self.integer and number != number.to_integral_value():
                raise ValidationError(_("Enter a whole number."))
            if (self.min_value is not None and number < self.min_value) or (
                self.max_value is not None and number > self.max_value
            ):
                raise ValidationError(
                    _("Enter a value from %(min)s to %(max)s.") % {"min": self.min_value, "max": self.max_value}
                )
            return int(number) if self.integer else number
        if self.data_type == SettingType.JSON:
            try:
                return json.loads(raw)
            except ValueError:
                raise ValidationError(_("Enter valid JSON.")) from None
        if not raw:
            raise ValidationError(_("This setting cannot be empty."))
        return raw

    def serialize(self, value: Any) -> str:
        if self.data_type == SettingType.BOOLEAN:
            return "true" if value else "false"
        if self.data_type == SettingType.JSON:
            return json.dumps(value)
        return str(value)


def _number(key, default, category, description, low, high, *, integer=True):
    return SettingSpec(
        key=key,
        data_type=SettingType.NUMBER,
        default=default,
        category=category,
        description=description,
        min_value=Decimal(low),
        max_value=Decimal(high),
        integer=integer,
    )


SETTINGS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        _number(
            "booking_cancellation_hours",
            24,
            "booking",
            "Patients may cancel until this many hours before the visit.",
            0,
            168,
        ),
        _number(
            "platform_commission_rate",
            Decimal("0.15"),
            "payment",
            "Share of each visit's price kept by the platform (0.15 = 15%).",
            "0",
            "0.9",
            integer=False,
        ),
        SettingSpec(
            key="email_notifications_enabled",
            data_type=SettingType.BOOLEAN,
            default=True,
            category="notification",
            description="Send e-mail for booking events (in-app notifications are always created).",
        ),
        _number("booking_slot_minutes", 30, "booking", "Start times are offered on this grid.", 5, 240),
        _number(
            "booking_buffer_minutes",
            30,
            "booking",
            "Travel time kept free before and after each visit of a technician.",
            0,
            240,
        ),
        _number(
            "booking_min_notice_hours", 2, "booking", "The earliest bookable time is this many hours from now.", 0, 168
        ),
        _number("booking_horizon_days", 30, "booking", "Visits can be booked this many days ahead.", 1, 365),
        _number("series_max_visits", 24, "booking", "A care plan (visit series) has at most this many visits.", 2, 100),
        _number(
            "checkin_window_minutes",
            60,
            "booking",
            "Technicians can check in this many minutes before or after the start.",
            5,
            240,
        ),
        _number(
            "waitlist_offers_per_time",
            5,
            "booking",
            "A freed time is offered to at most this many patients on the waitlist, in order of asking; "
            "the first to book it gets it.",
            1,
            100,
        ),
        _number(
            "record_access_hours_before",
            24,
            "booking",
            "A technician may read the patient's health records from this many hours before an accepted visit.",
            0,
            168,
        ),
        _number(
            "record_access_hours_after",
            24,
            "booking",
            "A technician may read the patient's health records until this many hours after the visit ends.",
            0,
            168,
        ),
        _number(
            "booking_offer_minutes",
            60,
            "booking",
            "A technician has this long to accept a visit offered to them (never later than the minimum "
            "notice before the start); then it goes to the next technician or to the office.",
            5,
            1440,
        ),
        _number(
            "booking_grace_minutes",
            15,
            "booking",
            "Patients may cancel free of charge this many minutes after booking, whatever the visit's start.",
            0,
            1440,
        ),
        _number(
            "no_show_fee_percent",
            50,
            "payment",
            "When the patient was not at home, this share of what they paid is kept; the rest is refunded.",
            0,
            100,
        ),
        SettingSpec(
            key="platform_name",
            data_type=SettingType.STRING,
            default="HomeCure",
            category="payment",
            description="The business name printed on receipts and credit notes.",
        ),
        SettingSpec(
            key="platform_address",
            data_type=SettingType.STRING,
            default="1 High Street, London EC1A 1AA, United Kingdom",
            category="payment",
            description="The business address printed on receipts and credit notes (one line; commas separate lines).",
        ),
        SettingSpec(
            key="currency",
            data_type=SettingType.STRING,
            default="USD",
            category="payment",
            description="ISO 4217 code of the currency prices are in. Fixed once bookings exist.",
            is_editable=False,
        ),
    ]
}


def _load() -> dict[str, Any]:
    from homecure.models import SystemSettings

    values = {key: spec.default for key, spec in SETTINGS.items()}
    for key, raw in SystemSettings.objects.filter(key__in=SETTINGS).values_list("key", "value"):
        # A value saved around the validation (raw SQL) falls back to the declared default.
        with suppress(ValidationError):
            values[key] = SETTINGS[key].parse(raw)
    return values


# Within one request the settings are read from the cache once: a page that shows 50 amounts in
# the platform currency would otherwise make 50 round trips to a shared (Redis) cache. Outside a
# request (a worker, a command) every read goes to the cache, so a long-running process sees a
# change as soon as the web process that made it.
_request = threading.local()


@receiver(request_started, dispatch_uid="homecure.base.system_settings.request_started")
def _request_started(**kwargs):
    _request.active, _request.values = True, None


@receiver(request_finished, dispatch_uid="homecure.base.system_settings.request_finished")
def _request_finished(**kwargs):
    _request.active, _request.values = False, None


def get_setting(key: str) -> Any:
    """The typed value of a declared setting (KeyError for an undeclared key)."""
    spec = SETTINGS[key]
    values = getattr(_request, "values", None)
    if values is None:
        values = cache.get(CACHE_KEY)
        if values is None:
            values = _load()
            cache.set(CACHE_KEY, values, CACHE_SECONDS)
        if getattr(_request, "active", False):
            _request.values = values
    return values.get(key, spec.default)


def clear_settings_cache() -> None:
    cache.delete(CACHE_KEY)
    _request.values = None
