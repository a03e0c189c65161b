"""Sign-up and password-reset e-mails: limited per address and per client, sent from the task queue."""

import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import emails, tasks
from accounts.models import User
from accounts.tests.test_views import SIGN_UP

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
RESET_SENT = reverse("accounts:password_reset_done")
SIGN_UP_SENT = reverse("accounts:signup-sent")


def from_client(address):
    return Client(REMOTE_ADDR=address)


def reset(email, client_address="192.0.2.10"):
    return from_client(client_address).post(RESET, {"email": email})


def sign_up(email, area, client_address="192.0.2.10"):
    return from_client(client_address).post(reverse("accounts:signup"), {**SIGN_UP, "email": email, "area": area.pk})


class QueueSpy:
    """Stands for a task: records each `enqueue` and, with `run`, queues it for real."""

    def __init__(self, task, calls, *, run):
        self.task, self.calls, self.run = task, calls, run

    def enqueue(self, **kwargs):
        self.calls.append((self.task.name, kwargs))
        if self.run:
            return self.task.enqueue(**kwargs)
        return None


def spy_on_tasks(monkeypatch, *, run):
    calls = []
    for name in ("send_password_reset_email", "send_sign_up_email"):
        monkeypatch.setattr(tasks, name, QueueSpy(getattr(tasks, name), calls, run=run))
    return calls


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued, by name with their arguments, instead of running them."""
    return spy_on_tasks(monkeypatch, run=False)


def test_a_fourth_reset_for_an_address_in_an_hour_sends_nothing_and_answers_the_same(patient, caplog):
    answers = [reset(patient.email, client_address=f"192.0.2.{n}") for n in range(1, 5)]

    assert [(a.status_code, a.url) for a in answers] == [(302, RESET_SENT)] * 4
    assert [m.to for m in mail.outbox] == [[patient.email]] * 3
    assert "over its limit" in caplog.text
    assert patient.email not in caplog.text


def test_a_client_over_its_limit_gets_the_same_answer_and_no_email_while_others_still_get_theirs(patient, caplog):
    for n in range(10):
        reset(f"nobody{n}@example.com")

    over = reset(patient.email)
    other_client = reset(patient.email, client_address="198.51.100.7")

    assert (over.status_code, over.url) == (other_client.status_code, other_client.url) == (302, RESET_SENT)
    assert [m.to for m in mail.outbox] == [[patient.email]]
    assert "client 192.0.2.10 is over its limit" in caplog.text


def test_sign_ups_count_against_the_same_limits(patient):
    sign_up(patient.email, patient.area)
    sign_up(patient.email, patient.area, client_address="192.0.2.11")

    reset(patient.email, client_address="192.0.2.12")
    reset(patient.email, client_address="192.0.2.13")

    assert [m.subject for m in mail.outbox] == ["You already have a HomeCure account"] * 2 + [
        "Reset your HomeCure password"
    ]


def test_sending_the_confirmation_link_again_is_limited_per_address(area, monkeypatch):
    # Even without the ten-minute pause between links sent again, an address gets 3 an hour.
    monkeypatch.setattr(emails, "_first_resend", lambda email: True)

    answers = [sign_up("sam.okafor@example.com", area, client_address=f"192.0.2.{n}") for n in range(1, 6)]

    assert [(a.status_code, a.url) for a in answers] == [(302, SIGN_UP_SENT)] * 5
    assert len(mail.outbox) == 3
    assert User.objects.get().first_name == "Sam"


def test_a_sign_up_over_the_client_limit_starts_no_account_and_answers_the_same(area):
    for n in range(10):
        sign_up(f"new{n}@example.com", area)

    over = sign_up("one.more@example.com", area)

    assert (over.status_code, over.url) == (302, SIGN_UP_SENT)
    assert not User.objects.filter(email="one.more@example.com").exists()
    assert len(mail.outbox) == 10


def test_a_sign_up_refused_by_its_form_uses_none_of_the_limit(area, monkeypatch, settings):
    settings.ACCOUNT_EMAILS_PER_CLIENT = 1

    def refuse(data):
        raise ValidationError("This licence number is already registered.")

    monkeypatch.setattr("accounts.views._sign_up_patient", refuse)
    for _ in range(3):
        assert sign_up("sam.okafor@example.com", area).status_code == 200
    monkeypatch.undo()

    assert sign_up("sam.okafor@example.com", area).url == SIGN_UP_SENT
    assert [m.to for m in mail.outbox] == [["sam.okafor@example.com"]]


def test_a_reset_does_the_same_work_for_a_known_and_an_unknown_address(patient, queued):
    with CaptureQueriesContext(connection) as known_queries:
        known = reset(patient.email)
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = reset("nobody@example.com")

    assert (known.status_code, known.url, known.content) == (unknown.status_code, unknown.url, unknown.content)
    assert len(known_queries) == len(unknown_queries)
    # The same task for both, carrying the address only: no token or link waits in the queue.
    assert queued == [
        ("send_password_reset_email", {"email": patient.email}),
        ("send_password_reset_email", {"email": "nobody@example.com"}),
    ]
    assert mail.outbox == []


def test_the_reset_email_is_sent_by_the_task_after_the_page(patient, monkeypatch):
    spied = spy_on_tasks(monkeypatch, run=True)

    reset(patient.email)
    reset("nobody@example.com")

    assert spied == [
        ("send_password_reset_email", {"email": patient.email}),
        ("send_password_reset_email", {"email": "nobody@example.com"}),
    ]
    (message,) = mail.outbox
    assert message.to == [patient.email]
    assert "/accounts/password/reset/" in message.body


def test_the_sign_up_email_is_sent_by_the_task(area, patient, queued):
    sign_up("sam.okafor@example.com", area)
    sign_up(patient.email, area)

    user = User.objects.get(email="sam.okafor@example.com")
    assert queued == [
        ("send_sign_up_email", {"email": "sam.okafor@example.com", "user_id": user.pk, "next_url": ""}),
        ("send_sign_up_email", {"email": patient.email, "user_id": None, "next_url": ""}),
    ]
    assert mail.outbox == []

    for _name, arguments in queued:
        tasks.send_sign_up_email.task.call(**arguments)

    assert [m.subject for m in mail.outbox] == [
        "Confirm your e-mail address for HomeCure",
        "You already have a HomeCure account",
    ]


def test_a_sign_up_task_for_an_account_gone_since_sends_nothing(area, queued):
    sign_up("sam.okafor@example.com", area)
    User.objects.all().delete()

    tasks.send_sign_up_email.task.call(**queued[0][1])

    assert mail.outbox == []


@pytest.fixture(autouse=True)
def _warnings(caplog):
    caplog.set_level(logging.WARNING, logger="accounts.emails")
