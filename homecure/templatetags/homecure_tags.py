"""Display helpers shared by every page: money in the platform currency and status badges."""

from django import template

from homecure.base.money import format_money

register = template.Library()

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
    """`45` -> "$45.00" in the platform currency (see `format_money`)."""
    return format_money(value)


@register.inclusion_tag("includes/_status_badge.html")
def status_badge(value, label=""):
    """A coloured badge for a status value, e.g. `{% status_badge booking.status booking.get_status_display %}`."""
    return {"colour": STATUS_COLOURS.get(str(value), "secondary"), "label": label or value}
