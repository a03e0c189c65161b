"""The portal's "Records I wrote": the author's list (what identifies each record, not its findings),
paginated; opening one is the record page's audited read, also after the visit's access window."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from records.models import AccessKind, AccessReason, RecordAccess
from records.tests.conftest import SECRET_DIAGNOSIS
from records.tests.factories import HealthRecordFactory

pytestmark = pytest.mark.django_db

URL = reverse("portal:records")


def _page(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_author_lists_what_they_wrote_without_its_findings(record, other_record, technician, client_for):
    response = client_for(technician.user).get(URL)

    page = _page(response)
    assert [r.pk for r in response.context["page_obj"]] == [record.pk]
    assert record.get_absolute_url() in page
    assert "Paula Patient" in page and record.booking.reference in page
    assert SECRET_DIAGNOSIS not in page
    assert other_record.get_absolute_url() not in page
    assert not RecordAccess.objects.exists()


def test_opening_one_after_the_access_window_is_an_audited_read_as_author(
    patient, technician, service, area, client_for
):
    old_visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=60),
        completed=True,
    )
    old_record = HealthRecordFactory(booking=old_visit, diagnosis=SECRET_DIAGNOSIS)
    client = client_for(technician.user)
    assert old_record.get_absolute_url() in _page(client.get(URL))

    response = client.get(old_record.get_absolute_url())

    assert response.status_code == 200 and SECRET_DIAGNOSIS in _page(response)
    read = RecordAccess.objects.get()
    assert (read.record, read.reader, read.reason, read.kind) == (
        old_record,
        technician.user,
        AccessReason.AUTHOR,
        AccessKind.VIEW,
    )


def test_a_suspended_author_gets_no_list(record, technician, client_for):
    technician.is_active = False
    technician.save(update_fields=["is_active"])

    response = client_for(technician.user).get(URL)

    assert response.status_code == 200
    assert not response.context["page_obj"].object_list
    assert record.get_absolute_url() not in _page(response)
    assert client_for(technician.user).get(record.get_absolute_url()).status_code == 404


def test_the_list_is_paginated_at_a_fixed_number_of_queries(
    patient, technician, service, area, client_for, django_assert_max_num_queries
):
    def write(count):
        for _ in range(count):
            visit = BookingFactory(
                user=patient, technician=technician, service=service, service_area=area, completed=True
            )
            HealthRecordFactory(booking=visit)

    write(1)
    client = client_for(technician.user)
    with django_assert_max_num_queries(40) as one:
        client.get(URL)
    write(24)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(URL)

    assert len(response.context["page_obj"].object_list) == 20
    assert len(client.get(URL, {"page": 2}).context["page_obj"].object_list) == 5
