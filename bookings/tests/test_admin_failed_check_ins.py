"""The back office's read-only list of refused check-ins."""

import pytest
from django.urls import reverse

from bookings.models import CheckInFailure, CheckInMethod, FailedCheckIn
from bookings.tests.factories import BookingFactory, FailedCheckInFactory

pytestmark = pytest.mark.django_db


def test_admins_see_failed_check_ins_with_who_when_which_code_and_why(admin_client, technician, other_technician):
    FailedCheckInFactory(user=technician.user, code="ZZZZ9999", reason=CheckInFailure.UNKNOWN_CODE)
    FailedCheckInFactory(
        user=other_technician.user,
        code="token-of-another-visit",
        method=CheckInMethod.QR,
        reason=CheckInFailure.NOT_YOURS,
        booking=BookingFactory(reference="HC-ABCDEFGH"),
    )

    listing = admin_client.get(reverse("admin:bookings_failedcheckin_changelist"))
    found = admin_client.get(reverse("admin:bookings_failedcheckin_changelist"), {"q": "HC-ABCDEFGH"})

    html = listing.content.decode()
    assert listing.status_code == 200
    for text in ("ZZZZ9999", "Unknown code", "Nadia Nurse", "Not their booking", "HC-ABCDEFGH", "QR code scanned"):
        assert text in html
    assert list(found.context["cl"].result_list) == [FailedCheckIn.objects.get(booking__reference="HC-ABCDEFGH")]


def test_failed_check_ins_cannot_be_added_changed_or_deleted(admin_client):
    attempt = FailedCheckInFactory()

    assert admin_client.get(reverse("admin:bookings_failedcheckin_add")).status_code == 403
    page = admin_client.get(reverse("admin:bookings_failedcheckin_change", args=[attempt.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(reverse("admin:bookings_failedcheckin_delete", args=[attempt.pk])).status_code == 403
    assert FailedCheckIn.objects.filter(pk=attempt.pk).exists()
