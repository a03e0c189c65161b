"""Calendar invitations and feeds (bookings.calendar): every .ics attachment and the feed parse with
`icalendar`, the UID of a visit stays when it moves while the SEQUENCE grows, a cancelled visit goes
out as CANCEL, and the feed's secret address counts its fetches and dies when renewed."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import calendar, services
from bookings.models import BookingStatus, CalendarFeed
from bookings.tests.factories import BookingFactory
from notifications.emails import CALENDAR_EMAILS, build_email
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

NOTES = "Key under the geranium, diabetic, insulin in the fridge"


def at(offset, hour):
    day = timezone.localdate() + timedelta(days=offset)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def visit(patient, technician, service, area):
    return BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=at(3, 10),
        service_address="1 Camden Road, London", user_notes=NOTES,
    )  # fmt: skip


def invitations(to):
    """Every .ics attached to the e-mails sent to `to`, parsed, in the order sent."""
    found = []
    for message in mail.outbox:
        if message.to != [to.email]:
            continue
        for part in message.attachments:
            if part.get_content_type() == "text/calendar":
                found.append((part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))))
    return found


def event_of(ics):
    (event,) = ics.walk("VEVENT")
    return event


def test_the_confirmation_carries_an_invitation_with_the_time_zone_service_and_address(
    visit, patient, admin_user, technician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_accept(booking=visit, actor=admin_user)

    for person in (patient, technician.user):
        ((method, ics),) = invitations(person)
        event = event_of(ics)
        assert method == "REQUEST" == ics["METHOD"]
        assert str(event["UID"]) == calendar.uid_of(visit)
        assert event.decoded("DTSTART") == visit.scheduled_start
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert [tz["TZID"] for tz in ics.walk("VTIMEZONE")] == ["Europe/London"]
        assert event.decoded("DTEND") == visit.scheduled_end
        assert str(event["LOCATION"]) == "1 Camden Road, London"
        assert "Nurse home visit" in str(event["SUMMARY"])
        assert str(event["STATUS"]) == "CONFIRMED"
        assert str(event["ATTENDEE"]) == f"mailto:{person.email}"
        assert NOTES not in ics.to_ical().decode()


def test_a_moved_visit_keeps_its_uid_and_its_sequence_grows(
    visit, patient, technician, admin_user, django_capture_on_commit_callbacks
):
    services.booking_accept(booking=visit, actor=technician.user)
    for start in (at(3, 14), at(4, 14)):
        with django_capture_on_commit_callbacks(execute=True):
            services.booking_reschedule(booking=visit, start=start, actor=admin_user)

    (first, second) = [event_of(ics) for _method, ics in invitations(patient)]
    assert str(first["UID"]) == str(second["UID"]) == calendar.uid_of(visit)
    assert 0 < first["SEQUENCE"] < second["SEQUENCE"]
    assert second.decoded("DTSTART") == at(4, 14)
    (tech_first, tech_second) = [event_of(ics) for _method, ics in invitations(technician.user)]
    assert tech_first["SEQUENCE"] < tech_second["SEQUENCE"]


def test_a_cancelled_visit_goes_out_as_cancel_to_both(
    visit, patient, technician, admin_user, django_capture_on_commit_callbacks
):
    services.booking_accept(booking=visit, actor=technician.user)
    confirmed_sequence = calendar.sequence_of(visit)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=visit, actor=admin_user, reason="Patient in hospital")

    for person in (patient, technician.user):
        ((method, ics),) = invitations(person)
        event = event_of(ics)
        assert method == "CANCEL" == ics["METHOD"]
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == calendar.uid_of(visit)
        assert event["SEQUENCE"] > confirmed_sequence
        assert "Patient in hospital" not in ics.to_ical().decode()


def test_a_technician_whose_visit_went_to_another_gets_a_cancel(
    visit, technician, other_technician, admin_user, django_capture_on_commit_callbacks
):
    services.booking_accept(booking=visit, actor=technician.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_assign(booking=visit, technician=other_technician, actor=admin_user)

    ((method, ics),) = invitations(technician.user)
    assert method == "CANCEL"
    assert str(event_of(ics)["UID"]) == calendar.uid_of(visit)


def test_emails_about_other_things_carry_no_invitation(visit, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_create(
            patient=patient, service=visit.service, area=visit.service_area, address="1 Camden Road",
            start=at(5, 10),
        )  # fmt: skip

    assert mail.outbox
    assert all(not message.attachments for message in mail.outbox)


# --- The technician's feed ----------------------------------------------------------------------------------------


def feed_url(token):
    return reverse("portal:calendar-feed", kwargs={"token": token})


def test_the_feed_lists_accepted_visits_without_health_data_and_counts_fetches(
    visit, technician, patient, service, area
):
    services.booking_accept(booking=visit, actor=technician.user)
    BookingFactory(user=patient, technician=technician, service=service, service_area=area, start=at(5, 10))
    BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=at(6, 10),
        status=BookingStatus.CANCELLED,
    )  # fmt: skip
    BookingFactory(user=patient, technician=technician, service=service, service_area=area, start=at(-5, 10),
                   completed=True)  # fmt: skip
    token = calendar.calendar_feed_renew(technician=technician)

    response = Client().get(feed_url(token))
    Client().get(feed_url(token))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    ics = Calendar.from_ical(response.content)
    assert ics["METHOD"] == "PUBLISH"
    starts = [event.decoded("DTSTART") for event in ics.walk("VEVENT")]
    assert starts == [at(-5, 10), visit.scheduled_start]
    assert NOTES not in response.content.decode()
    feed = CalendarFeed.objects.get(technician=technician)
    assert feed.fetch_count == 2
    assert feed.last_fetched_at is not None
    assert len(feed.token_hash) == 64 and token not in feed.token_hash


def test_a_renewed_link_makes_the_old_one_answer_404(technician, technician_client):
    old = calendar.calendar_feed_renew(technician=technician)
    assert Client().get(feed_url(old)).status_code == 200

    technician_client.post(reverse("portal:calendar-renew"))
    page = technician_client.get(reverse("portal:calendar"))

    assert Client().get(feed_url(old)).status_code == 404
    new_url = page.context["new_url"]
    assert new_url.startswith("http://testserver/portal/calendar/")
    assert Client().get(new_url.removeprefix("http://testserver")).status_code == 200
    again = technician_client.get(reverse("portal:calendar"))
    assert again.context["new_url"] is None
    assert "Renew link" in again.text


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "../../etc/passwd", "A" * 5000])
def test_an_unknown_token_answers_404(technician, token):
    calendar.calendar_feed_renew(technician=technician)

    assert Client().get(f"/portal/calendar/{token}/visits.ics").status_code == 404


def test_a_deactivated_technicians_feed_answers_404(technician):
    token = calendar.calendar_feed_renew(technician=technician)
    technician.user.is_active = False
    technician.user.save()

    assert Client().get(feed_url(token)).status_code == 404


@pytest.mark.parametrize("template", sorted(CALENDAR_EMAILS))
def test_every_email_about_a_visit_carries_an_invitation_that_parses(visit, patient, template):
    notification = NotificationFactory(
        user=patient, related_entity_type="booking", related_entity_id=visit.reference, action_url="/bookings/"
    )

    message = build_email(notification, template)

    (part,) = message.attachments
    ics = Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == ics["METHOD"] == "REQUEST"
    assert str(event_of(ics)["UID"]) == calendar.uid_of(visit)
    assert part.get_filename() == f"{visit.reference}.ics"
