"""One way to write dates and times everywhere: "Wednesday 3 December 2026, 14:00".

Days carry no leading zero ("3 December", never "03 December"), times are 24-hour ("09:05"), and
aware date-times are shown in the site's time zone. `format_when(value, style)` is the helper (the
template filter `when` calls it); the styles:

| style | example |
|---|---|
| `datetime` (default) | Wednesday 3 December 2026, 14:00 |
| `date` | 3 December 2026 |
| `date_time` | 3 December 2026, 14:00 |
| `weekday_date` | Wednesday 3 December 2026 |
| `weekday` | Wednesday 3 December |
| `weekday_time` | Wednesday 3 December, 14:00 |
| `short_date` | 3 Dec 2026 |
| `short_datetime` | 3 Dec 2026, 14:00 |
| `short_weekday_date` | Wed 3 Dec 2026 |
| `short_weekday_datetime` | Wed 3 Dec 2026, 14:00 |
| `short_weekday_time` | Wed 3 Dec, 14:00 |
| `short_weekday` | Wed 3 Dec |
| `day_month` | 3 Dec |
| `day_month_long` | 3 December |
| `day_month_time` | 3 December, 14:00 |
| `month` | December 2026 |
| `time` | 14:00 |
| `iso` | 2026-12-03T14:00:00+00:00 (for `<time datetime>`) |
| `ago` | just now · 5 minutes ago · 3 hours ago · 2 days ago · 3 Dec 2026 (a week or more ago) |

`ago` counts whole minutes, hours or days back from now (`now=`, the current time by default),
and gives the date itself once a week has passed, where "17 days ago" would make the reader count.

It is written out instead of going through Django's `date` filter, which builds a formatter and
translates each name anew for every value: lists show dozens of dates per page. The names of
months and weekdays are still Django's translated ones, looked up once per language.
"""

from datetime import date, datetime

from django.utils import timezone, translation
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext

_PATTERNS = {
    "datetime": "{weekday} {day} {month} {year}, {time}",
    "date": "{day} {month} {year}",
    "date_time": "{day} {month} {year}, {time}",
    "weekday_date": "{weekday} {day} {month} {year}",
    "weekday": "{weekday} {day} {month}",
    "weekday_time": "{weekday} {day} {month}, {time}",
    "short_date": "{day} {mon} {year}",
    "short_datetime": "{day} {mon} {year}, {time}",
    "short_weekday_date": "{wd} {day} {mon} {year}",
    "short_weekday_datetime": "{wd} {day} {mon} {year}, {time}",
    "short_weekday_time": "{wd} {day} {mon}, {time}",
    "short_weekday": "{wd} {day} {mon}",
    "day_month": "{day} {mon}",
    "day_month_long": "{day} {month}",
    "day_month_time": "{day} {month}, {time}",
    "month": "{month} {year}",
    "time": "{time}",
}
STYLES = frozenset(_PATTERNS) | {"iso", "ago"}
_names: dict[str, tuple] = {}


def _names_for_language() -> tuple:
    language = translation.get_language() or ""
    names = _names.get(language)
    if names is None:
        names = _names[language] = (
            {k: str(v) for k, v in MONTHS.items()},
            {k: str(v).title() for k, v in MONTHS_3.items()},  # as Django writes "M"
            {k: str(v) for k, v in WEEKDAYS.items()},
            {k: str(v) for k, v in WEEKDAYS_ABBR.items()},
        )
    return names


def _ago(value: date | datetime, now: datetime | None) -> str:
    if not isinstance(value, datetime):
        # A day has no time to count from.
        return format_when(value, "short_date")
    seconds = ((now or timezone.now()) - value).total_seconds()
    if seconds < 60:
        return gettext("just now")
    minutes = int(seconds // 60)
    if minutes < 60:
        return ngettext("%(count)d minute ago", "%(count)d minutes ago", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(count)d hour ago", "%(count)d hours ago", hours) % {"count": hours}
    days = hours // 24
    if days < 7:
        return ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days}
    return format_when(value, "short_date")


def format_when(value: date | datetime | None, style: str = "datetime", *, now: datetime | None = None) -> str:
    """`value` written in `style` (see the module's table); "" for None."""
    if value is None or value == "":
        return ""
    if style not in STYLES:
        raise ValueError(f"unknown date style {style!r}")
    if style == "ago":
        return _ago(value, now)
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if style == "iso":
        return value.isoformat()
    months, months_3, weekdays, weekdays_abbr = _names_for_language()
    has_time = isinstance(value, datetime)
    return _PATTERNS[style].format(
        weekday=weekdays[value.weekday()],
        wd=weekdays_abbr[value.weekday()],
        day=value.day,
        month=months[value.month],
        mon=months_3[value.month],
        year=value.year,
        time=f"{value.hour:02d}:{value.minute:02d}" if has_time else "",
    )
