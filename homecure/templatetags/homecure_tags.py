"""Display helpers shared by every page: money in the platform currency, dates and status badges."""

from urllib.parse import quote

from django import template
from django.urls import NoReverseMatch, reverse
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


# Stands for a row's value in a URL reversed once per page (`row_url`): it passes both `str` and
# `int` converters and never occurs in a real path of this site.
_ROW_MARKERS = ("row-value-marker", "90817263544536271809")
# What `reverse()` leaves unquoted in a path segment (django.urls.resolvers).
_PATH_SAFE = "!$&'()*+,;=/~:@"


@register.simple_tag
def row_url(name):
    """The URL `name` with a stand-in for its one argument, reversed once for a whole list:
    `{% row_url 'portal:job' as job_url %}` ... `{{ job_url|fill:booking.reference }}` gives what
    `{% url 'portal:job' booking.reference %}` gives, without resolving the pattern for every row."""
    for marker in _ROW_MARKERS:
        try:
            return reverse(name, args=[marker]).replace(marker, "\x00")
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"{name} takes no single argument")


@register.filter
def fill(url, value):
    """The URL from `row_url` for one row's value (quoted as `reverse()` quotes it)."""
    return url.replace("\x00", quote(str(value), safe=_PATH_SAFE))


@register.simple_tag
def status_badge(value, label=""):
    """A coloured badge for a status value, e.g. `{% status_badge booking.status booking.get_status_display %}`.

    A simple tag, not an included template: lists show one per row."""
    return format_html(
        '<span class="badge rounded-pill text-bg-{}">{}</span>',
        STATUS_COLOURS.get(str(value), "secondary"),
        label or value,
    )
