"""The patient's booking page: their technician's photo and biography, and the health record written at the visit."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from records.tests.factories import HealthRecordFactory

pytestmark = pytest.mark.django_db

# A 1x1 PNG.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _page(response):
    return re.sub(r"\s+", " ", response.content.decode())


def visit(patient, technician, service, area, **traits):
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=1),
        **traits,
    )


def test_the_booking_shows_the_technicians_biography_and_photo(patient_client, patient, technician, service, area):
    technician.bio = "Twenty years on a cardiac ward.\nI speak English and Polish."
    technician.profile_picture.save("nadia.png", ContentFile(PNG))
    technician.save()
    booking = visit(patient, technician, service, area, confirmed=True)

    page = _page(patient_client.get(booking.get_absolute_url()))

    photo_url = reverse("portal:photo", args=[technician.pk])
    assert f'src="{photo_url}" alt="Photo of Nadia Nurse"' in page
    assert "Twenty years on a cardiac ward.<br>I speak English and Polish." in page
    assert patient_client.get(photo_url).status_code == 200


def test_no_photo_no_image(patient_client, patient, technician, service, area):
    booking = visit(patient, technician, service, area, confirmed=True)

    page = _page(patient_client.get(booking.get_absolute_url()))

    assert "Nadia Nurse" in page
    assert reverse("portal:photo", args=[technician.pk]) not in page


def test_a_completed_visit_links_to_its_record_once_written(patient_client, patient, technician, service, area):
    booking = visit(patient, technician, service, area, completed=True)
    assert "Health record of this visit" not in _page(patient_client.get(booking.get_absolute_url()))

    record = HealthRecordFactory(booking=booking)
    page = _page(patient_client.get(booking.get_absolute_url()))

    assert "Health record of this visit" in page
    assert f'href="{record.get_absolute_url()}">Check-up, ' in page
    assert patient_client.get(record.get_absolute_url()).status_code == 200


def test_the_record_link_is_for_the_visits_patient_only(client, other_patient, patient, technician, service, area):
    # The office wrote a record of another patient against this visit by mistake: it is not linked here.
    booking = visit(patient, technician, service, area, completed=True)
    HealthRecordFactory(booking=booking, user=other_patient)
    client.force_login(patient)

    assert "Health record of this visit" not in _page(client.get(booking.get_absolute_url()))
