"""A technician reads a patient's records through an accepted visit only while its window is open.

The window opens `record_access_hours_before` (24) before the scheduled start and closes
`record_access_hours_after` (24) after the end, the later of the scheduled end and the completion;
a visit in progress keeps it open. Visits are placed relative to the real clock and no scheduled job
runs: the rule is arithmetic on the visit's own times. The colleague's record is written after the
technician accepted, so what is read is the patient's file, not the technician's own work.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.tests.factories import BookingDeclineFactory, BookingFactory
from homecure.base.system_settings import clear_settings_cache
from homecure.models import AdminLog, SystemSettings
from records import selectors
from records.models import RecordAccess
from records.tests.factories import PDF_BYTES, HealthDocumentFactory, HealthRecordFactory
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

COLLEAGUE_SECRET = "Axolotl-finding-2718"
HOUR = timedelta(hours=1)


def _set(key, value):
    SystemSettings.objects.filter(key=key).update(value=str(value))
    clear_settings_cache()


def _place(booking, *, starts_in, status, completed_after=None):
    """Put `booking` (one hour long) to start `starts_in` from now; `completed_after`: its completion,
    that long after the start."""
    booking.set_schedule(timezone.now() + starts_in, 60)
    booking.status = status
    booking.completed_at = booking.scheduled_start + completed_after if completed_after is not None else None
    booking.save()
    return booking


@pytest.fixture
def visit(patient, technician, service, area):
    # `technician`'s accepted visit to `patient`; each test places it in time.
    return BookingFactory(user=patient, technician=technician, service=service, service_area=area, confirmed=True)


@pytest.fixture
def colleagues_record(visit, other_technician):
    # Written by `other_technician` for `patient` after `technician` accepted `visit`, with a document.
    record = HealthRecordFactory(user=visit.user, created_by=other_technician.user, diagnosis=COLLEAGUE_SECRET)
    HealthDocumentFactory(
        record=record,
        original_name="colleague-scan.pdf",
        file=ContentFile(PDF_BYTES + f"% {COLLEAGUE_SECRET}\n".encode(), name="colleague-scan.pdf"),
    )
    return record


def _pages(record):
    document = record.documents.get()
    return {
        "detail": reverse("records:detail", args=[record.pk]),
        "print": reverse("records:print", args=[record.pk]),
        "document": reverse("records:document", args=[record.pk, document.pk]),
    }


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode()


# (what, starts in, status, completed after the start): the visit's place in time as seen now.
PLACES = {
    "before the window": (25 * HOUR, BookingStatus.CONFIRMED, None, False),
    "window just opened": (23 * HOUR, BookingStatus.CONFIRMED, None, True),
    "on the day": (-10 * timedelta(minutes=1), BookingStatus.CONFIRMED, None, True),
    "in progress long past its scheduled end": (-72 * HOUR, BookingStatus.IN_PROGRESS, None, True),
    "completed, within the hours after": (-20 * HOUR, BookingStatus.COMPLETED, HOUR, True),
    "completed late, counted from the completion": (-40 * HOUR, BookingStatus.COMPLETED, 30 * HOUR, True),
    "completed, after the window": (-26 * HOUR, BookingStatus.COMPLETED, HOUR, False),
    "confirmed, never checked in, within the hours after": (-20 * HOUR, BookingStatus.CONFIRMED, None, True),
    "confirmed, never checked in, a week ago": (-7 * 24 * HOUR, BookingStatus.CONFIRMED, None, False),
    "pending offer not accepted": (HOUR, BookingStatus.PENDING, None, False),
    "cancelled": (HOUR, BookingStatus.CANCELLED, None, False),
}


@pytest.mark.parametrize("which_page", ["detail", "print", "document"])
@pytest.mark.parametrize(("starts_in", "status", "completed_after", "readable"), PLACES.values(), ids=PLACES)
def test_the_colleagues_record_is_readable_only_inside_the_window(
    which_page, starts_in, status, completed_after, readable, visit, colleagues_record, technician, client_for
):
    _place(visit, starts_in=starts_in, status=status, completed_after=completed_after)

    response = client_for(technician.user).get(_pages(colleagues_record)[which_page])

    assert response.status_code == (200 if readable else 404)
    assert (COLLEAGUE_SECRET in _body(response)) is readable
    assert RecordAccess.objects.filter(reader=technician.user).count() == (1 if readable else 0)


@pytest.mark.parametrize(("starts_in", "status", "completed_after", "readable"), PLACES.values(), ids=PLACES)
def test_the_selector_answers_the_same(starts_in, status, completed_after, readable, visit, technician, patient):
    _place(visit, starts_in=starts_in, status=status, completed_after=completed_after)

    assert selectors.technician_may_read(technician.user, patient.pk) is readable
    assert (visit in selectors.visits_granting_access(technician.user)) is readable


def test_the_window_edges_to_the_second(visit, technician, patient):
    _place(visit, starts_in=48 * HOUR, status=BookingStatus.CONFIRMED)
    opens = visit.scheduled_start - 24 * HOUR
    closes = visit.scheduled_end + 24 * HOUR
    second = timedelta(seconds=1)

    answers = [
        selectors.technician_may_read(technician.user, patient.pk, now=moment)
        for moment in (opens - second, opens, closes, closes + second)
    ]

    assert answers == [False, True, True, False]


def test_the_two_settings_move_the_edges(visit, technician, patient):
    _place(visit, starts_in=3 * HOUR, status=BookingStatus.CONFIRMED)
    _set("record_access_hours_before", 2)
    assert not selectors.technician_may_read(technician.user, patient.pk)

    _set("record_access_hours_before", 4)
    assert selectors.technician_may_read(technician.user, patient.pk)

    _set("record_access_hours_after", 0)
    assert not selectors.technician_may_read(technician.user, patient.pk, now=visit.scheduled_end + HOUR)


def test_a_declined_offer_opens_nothing(visit, colleagues_record, technician, other_technician, client_for):
    # `technician` said no; the visit went to `other_technician`, who accepted it.
    BookingDeclineFactory(booking=visit, technician=technician)
    visit.technician = other_technician
    _place(visit, starts_in=HOUR, status=BookingStatus.CONFIRMED)

    response = client_for(technician.user).get(colleagues_record.get_absolute_url())

    assert response.status_code == 404
    assert COLLEAGUE_SECRET not in response.content.decode()


def test_a_reassigned_visit_opens_the_file_to_the_new_technician_only(visit, colleagues_record, technician, client_for):
    newcomer = TechnicianFactory(user__first_name="Nora", user__last_name="Newcomer")
    visit.technician = newcomer
    _place(visit, starts_in=HOUR, status=BookingStatus.CONFIRMED)

    assert client_for(technician.user).get(colleagues_record.get_absolute_url()).status_code == 404
    assert client_for(newcomer.user).get(colleagues_record.get_absolute_url()).status_code == 200


def test_a_suspended_technician_reads_nothing_inside_the_window(visit, colleagues_record, technician, client_for):
    _place(visit, starts_in=HOUR, status=BookingStatus.CONFIRMED)
    technician.is_active = False
    technician.save()

    assert client_for(technician.user).get(colleagues_record.get_absolute_url()).status_code == 404


def test_reads_inside_the_window_are_audited_as_the_visits_technician(visit, colleagues_record, technician, client_for):
    _place(visit, starts_in=HOUR, status=BookingStatus.CONFIRMED)

    client_for(technician.user).get(colleagues_record.get_absolute_url())

    access = RecordAccess.objects.get()
    assert (access.reader, access.reason, access.kind) == (technician.user, "assigned_visit", "view")
    assert AdminLog.objects.filter(action="health_record_read", admin_user=technician.user).count() == 1


@pytest.mark.parametrize("which_page", ["detail", "print", "document"])
def test_own_record_stays_readable_long_after_the_window(which_page, visit, technician, client_for):
    # The visit ended ten days ago; the technician wrote its record then.
    _place(visit, starts_in=-10 * 24 * HOUR, status=BookingStatus.COMPLETED, completed_after=HOUR)
    own = HealthRecordFactory(booking=visit, diagnosis="Own-work-3141")
    HealthDocumentFactory(record=own)

    response = client_for(technician.user).get(_pages(own)[which_page])

    assert response.status_code == 200
    access = RecordAccess.objects.get()
    assert (access.reader, access.reason) == (technician.user, "author")
    assert AdminLog.objects.filter(action="health_record_read", admin_user=technician.user).count() == 1


def _job_page(client, booking):
    response = client.get(reverse("portal:job", args=[booking.reference]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("starts_in", "status", "completed_after", "listed"),
    [
        (23 * HOUR, BookingStatus.CONFIRMED, None, True),
        (25 * HOUR, BookingStatus.CONFIRMED, None, False),
        (HOUR, BookingStatus.PENDING, None, False),
        (-20 * HOUR, BookingStatus.COMPLETED, HOUR, True),
        (-26 * HOUR, BookingStatus.COMPLETED, HOUR, False),
    ],
    ids=["inside", "before", "pending offer", "just after", "after"],
)
def test_the_job_page_lists_the_colleagues_record_only_inside_the_window(
    starts_in, status, completed_after, listed, visit, colleagues_record, technician, client_for
):
    _place(visit, starts_in=starts_in, status=status, completed_after=completed_after)

    html = _job_page(client_for(technician.user), visit)

    assert (f'href="{colleagues_record.get_absolute_url()}"' in html) is listed
    assert not RecordAccess.objects.exists()


def test_the_job_page_of_a_pending_offer_lists_only_the_technicians_own_records(
    visit, colleagues_record, technician, client_for
):
    earlier = BookingFactory(
        user=visit.user, technician=technician, start=timezone.now() - 30 * 24 * HOUR, completed=True
    )
    own = HealthRecordFactory(booking=earlier)
    _place(visit, starts_in=HOUR, status=BookingStatus.PENDING)

    html = _job_page(client_for(technician.user), visit)

    assert f'href="{own.get_absolute_url()}"' in html
    assert f'href="{colleagues_record.get_absolute_url()}"' not in html


@pytest.mark.parametrize(
    ("completed_hours_ago", "can_write"),
    [(23, True), (25, False)],
    ids=["within the hours after", "after"],
)
def test_the_visits_technician_writes_its_record_until_the_window_closes(
    completed_hours_ago, can_write, visit, technician, client_for
):
    _place(visit, starts_in=-(completed_hours_ago + 1) * HOUR, status=BookingStatus.COMPLETED, completed_after=HOUR)
    client = client_for(technician.user)

    form = client.get(reverse("records:new", args=[visit.reference]))
    html = _job_page(client, visit)

    assert form.status_code == (200 if can_write else 409)
    assert ("Write the health record" in html) is can_write
    if not can_write:
        assert "The time to write this visit&#x27;s record has ended. Ask the office to add it." in _body(form)


def test_a_visit_in_progress_can_always_be_written_for(visit, technician, client_for):
    _place(visit, starts_in=-72 * HOUR, status=BookingStatus.IN_PROGRESS)

    assert client_for(technician.user).get(reverse("records:new", args=[visit.reference])).status_code == 200


def test_the_office_writes_for_a_visit_after_the_window(visit, admin_user, client_for):
    _place(visit, starts_in=-10 * 24 * HOUR, status=BookingStatus.COMPLETED, completed_after=HOUR)

    assert client_for(admin_user).get(reverse("records:new", args=[visit.reference])).status_code == 200


def test_the_job_page_says_when_the_records_open(visit, colleagues_record, technician, client_for):
    _place(visit, starts_in=48 * HOUR, status=BookingStatus.CONFIRMED)
    opens = timezone.localtime(visit.scheduled_start - 24 * HOUR)
    client = client_for(technician.user)

    confirmed = _job_page(client, visit)
    _place(visit, starts_in=HOUR, status=BookingStatus.PENDING)
    pending = _job_page(client, visit)

    assert f"You can open the patient's health records from {opens:%A %-d %B %Y, %H:%M}." in confirmed
    assert "Once you accept this visit, you can open the patient's health records around it." in pending
    assert "health records from" not in pending
