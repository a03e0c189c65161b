"""The inbox shows priority and sorts by it: unread high-priority alerts first, then the other unread,
then the read ones, newest first within each."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, Priority
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def made(user, title, *, hours_ago, priority=Priority.NORMAL, is_read=False):
    notification = NotificationFactory(user=user, title=title, priority=priority, is_read=is_read)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return notification


def test_unread_alerts_come_first_then_unread_then_read_newest_first(patient_client, patient):
    made(patient, "Routine, newest", hours_ago=1)
    made(patient, "Alert, older", hours_ago=5, priority=Priority.HIGH)
    made(patient, "Alert, newer", hours_ago=3, priority=Priority.HIGH)
    made(patient, "Read alert", hours_ago=0, priority=Priority.HIGH, is_read=True)
    made(patient, "Low, unread", hours_ago=2, priority=Priority.LOW)
    made(patient, "Read routine", hours_ago=4, is_read=True)

    response = patient_client.get(reverse("notifications:list"))

    assert [n.title for n in response.context["page_obj"]] == [
        "Alert, newer",
        "Alert, older",
        "Routine, newest",
        "Low, unread",
        "Read alert",
        "Read routine",
    ]


def test_a_high_priority_alert_is_labelled_for_eyes_and_screen_readers(patient_client, patient):
    made(patient, "Your visit was cancelled", hours_ago=1, priority=Priority.HIGH)
    made(patient, "Your visit is confirmed", hours_ago=2)

    page = re.sub(r"\s+", " ", patient_client.get(reverse("notifications:list")).content.decode())

    assert '<span class="visually-hidden">High priority: </span>Your visit was cancelled</button>' in page
    assert page.count(">High priority</span>") == 1
    assert page.count("notification-high") == 1
    assert ">Your visit is confirmed</button>" in page
