"""One date style everywhere: "Thursday 3 December 2026, 09:05", never "03 December"."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils.formats import date_format

from homecure.base.dates import STYLES, format_when

# 09:05 in London in winter is 09:05 UTC.
MOMENT = datetime(2026, 12, 3, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("datetime", "Thursday 3 December 2026, 09:05"),
        ("date", "3 December 2026"),
        ("date_time", "3 December 2026, 09:05"),
        ("weekday_date", "Thursday 3 December 2026"),
        ("weekday", "Thursday 3 December"),
        ("weekday_time", "Thursday 3 December, 09:05"),
        ("short_date", "3 Dec 2026"),
        ("short_datetime", "3 Dec 2026, 09:05"),
        ("short_weekday_date", "Thu 3 Dec 2026"),
        ("short_weekday_datetime", "Thu 3 Dec 2026, 09:05"),
        ("short_weekday_time", "Thu 3 Dec, 09:05"),
        ("short_weekday", "Thu 3 Dec"),
        ("day_month", "3 Dec"),
        ("day_month_long", "3 December"),
        ("day_month_time", "3 December, 09:05"),
        ("month", "December 2026"),
        ("time", "09:05"),
        ("iso", "2026-12-03T09:05:00+00:00"),
    ],
)
def test_every_style_writes_the_day_without_a_leading_zero(style, expected):
    assert format_when(MOMENT, style) == expected


def test_every_style_is_tested():
    # The 18 above and `ago` (below).
    assert len(STYLES) == 19


def test_times_are_shown_in_the_site_s_time_zone():
    summer = datetime(2026, 7, 3, 23, 30, tzinfo=UTC)  # 00:30 on the 4th in London

    assert format_when(summer) == "Saturday 4 July 2026, 00:30"


def test_a_date_has_no_time_and_nothing_is_empty():
    assert format_when(date(2026, 12, 3), "date") == "3 December 2026"
    assert format_when(None) == ""


def test_an_unknown_style_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown date style"):
        format_when(MOMENT, "j F Y")


def test_templates_use_the_same_helper():
    template = Template('{% load homecure_tags %}{{ moment|when:"short_datetime" }}')

    rendered = template.render(Context({"moment": MOMENT}))

    assert rendered == "3 Dec 2026, 09:05"


def test_django_s_own_formats_follow_the_style_in_the_back_office():
    assert date_format(date(2026, 12, 3)) == "3 December 2026"
    assert date_format(MOMENT.replace(tzinfo=None), "DATETIME_FORMAT") == "3 December 2026, 09:05"
    assert date_format(date(2026, 12, 3), "SHORT_DATE_FORMAT") == "3 Dec 2026"


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=6, hours=23), "6 days ago"),
        (timedelta(days=7), "26 Nov 2026"),
        (-timedelta(minutes=3), "just now"),
    ],
)
def test_ago_counts_back_from_now_then_gives_the_date(before, expected):
    assert format_when(MOMENT - before, "ago", now=MOMENT) == expected


def test_ago_of_a_day_gives_the_day():
    assert format_when(date(2026, 12, 1), "ago", now=MOMENT) == "1 Dec 2026"
