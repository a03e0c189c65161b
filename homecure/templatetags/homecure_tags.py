"""Display helpers shared by every page: money in the platform currency, dates and status badges."""

from django import template
from django.utils.html import format_html

from homecure.base.dates import format_when
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


@register.filter
def when(value, style="datetime"):
    """A date or date-time in one of the site's styles, e.g. `{{ booking.scheduled_start|when:"short_datetime" }}`
    (see `homecure.base.dates`)."""
    return format_when(value, style)


@register.simple_tag
def status_badge(value, label=""):
    """A coloured badge for a status value, e.g. `{% status_badge booking.status booking.get_status_display %}`.

    A simple tag, not an included template: lists show one per row."""
    return format_html(
        '<span class="badge rounded-pill text-bg-{}">{}</span>',
        STATUS_COLOURS.get(str(value), "secondary"),
        label or value,
    )
