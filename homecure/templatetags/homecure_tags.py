"""Display helpers shared by every page: money in the platform currency and status badges."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

from homecure.config import get_setting

register = template.Library()

# Symbols for the currencies the platform is likely to run in; any other ISO code is shown as
# the code itself ("CHF 45.00"), which every reader understands.
CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "EGP": "E£", "INR": "₹", "JPY": "¥"}

# Bootstrap colour per status value; booking, payment and earning statuses share the names.
STATUS_COLOURS = {
    "pending": "warning",
    "confirmed": "primary",
    "in_progress": "info",
    "completed": "success",
    "cancelled": "secondary",
    "paid": "success",
    "refunded": "secondary",
    "on_hold": "danger",
}


@register.filter
def money(value):
    """`45` -> "$45.00" in the platform currency, grouped for the active locale; "" for no value."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    currency = str(get_setting("currency")).upper()
    formatted = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"-{symbol}{formatted[1:]}" if formatted.startswith("-") else f"{symbol}{formatted}"
    return f"{currency}\N{NO-BREAK SPACE}{formatted}"


@register.inclusion_tag("includes/_status_badge.html")
def status_badge(value, label=""):
    """A coloured badge for a status value, e.g. `{% status_badge booking.status booking.get_status_display %}`."""
    return {"colour": STATUS_COLOURS.get(str(value), "secondary"), "label": label or value}
