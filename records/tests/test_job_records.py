"""The records part of the portal's job page: titles the technician may open, and the way to write one."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from records.models import RecordAccess
from records.tests.conftest import SECRETS
from records.tests.factories import HealthRecordFactory

pytestmark = pytest.mark.django_db


def _job_page(client, booking):
    response = client.get(reverse("portal:job", args=[booking.reference]))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def next_visit(patient, technician, service, area):
    # `technician`'s next visit to `patient`, confirmed, in twelve hours: its access window is open.
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(hours=12),
        confirmed=True,
    )


def test_an_active_visit_lists_the_patients_records_by_title_only(
    technician, client_for, record, next_visit, other_technician
):
    by_colleague = HealthRecordFactory(user=record.user, created_by=other_technician.user, record_type="vaccination")

    page = _job_page(client_for(technician.user), next_visit)

    assert f'href="{record.get_absolute_url()}"' in page
    assert f'href="{by_colleague.get_absolute_url()}"' in page
    assert "Written by Otto Nurse" in page
    assert not any(secret in page for secret in SECRETS)
    assert not RecordAccess.objects.exists()
    assert "Write the health record" not in page


def test_a_visit_in_progress_offers_to_write_its_record(technician, client_for, next_visit):
    next_visit.status = BookingStatus.IN_PROGRESS
    next_visit.save()

    page = _job_page(client_for(technician.user), next_visit)

    assert f'href="{reverse("records:new", args=[next_visit.reference])}"' in page
    assert "Write the health record" in page


def test_after_the_access_window_only_the_technicians_own_records_are_listed(
    technician, client_for, record, other_technician
):
    # `record.booking` ended two days ago: its window closed a day ago, and with it the writing.
    by_colleague = HealthRecordFactory(user=record.user, created_by=other_technician.user)

    page = _job_page(client_for(technician.user), record.booking)

    assert f'href="{record.get_absolute_url()}"' in page
    assert f'href="{by_colleague.get_absolute_url()}"' not in page
    assert "Write the health record" not in page


def test_a_cancelled_visit_shows_no_records(technician, client_for, record, next_visit):
    next_visit.status = BookingStatus.CANCELLED
    next_visit.save()
    HealthRecordFactory(user=record.user)

    page = _job_page(client_for(technician.user), next_visit)

    assert f'href="{record.get_absolute_url()}"' in page  # written by this technician
    assert page.count('href="/records/') == 1


def test_the_job_page_lists_at_most_ten_records_in_a_fixed_number_of_queries(
    technician, client_for, next_visit, django_assert_max_num_queries
):
    for day in range(30):
        HealthRecordFactory(user=next_visit.user, record_date=timezone.localdate() - timedelta(days=day))
    client = client_for(technician.user)

    with django_assert_max_num_queries(20):
        page = _job_page(client, next_visit)

    assert page.count('href="/records/') == 10
