"""Two-factor log-in: administrators must give a code from an authenticator app after the password,
technicians when an administrator requires it (or when they set one up themselves); recovery codes
work once; wrong codes are throttled; an administrator resets a lost second factor, audited.

Every log-in here goes through the log-in page: `force_login` would pass the second factor for a
user with a device (the root conftest's test seam).
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import DEFAULT_PASSWORD, AdminUserFactory, PatientFactory, totp_code
from accounts.two_factor import PENDING_SECRET_KEY, RECOVERY_CODE_COUNT
from homecure.models import AdminLog

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two-factor-verify")
ENROL = reverse("accounts:two-factor")
CODES = reverse("accounts:two-factor-codes")
ADMIN_INDEX = reverse("admin:index")
USERS = reverse("admin:accounts_user_changelist")


def log_in_with_password(user) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, "the password was refused"
    return client


def code_now(key_hex: str) -> str:
    return f"{TOTP(bytes.fromhex(key_hex)).token():06d}"


def a_code_before(user) -> str:
    """The code the app showed a minute ago: valid for nobody now, a wrong code of the right shape."""
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key)
    totp.time = timezone.now().timestamp() - 120
    return f"{totp.token():06d}"


def test_an_administrator_without_a_device_enrols_right_after_the_password_and_gets_ten_codes_once():
    admin = AdminUserFactory(second_factor=False)
    client = log_in_with_password(admin)

    # Nowhere else until enrolled: the back office, the profile and the start page lead to enrolment.
    for url in (ADMIN_INDEX, reverse("accounts:profile"), reverse("accounts:after-login")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(ENROL), url
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "Set up two-factor log-in" in page.text
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', page.text), "no inline QR code"
    assert "QR code to scan with your authenticator app" in page.text
    key = client.session[PENDING_SECRET_KEY]
    assert not TOTPDevice.objects.filter(user=admin).exists(), "opening the page wrote a device"

    wrong = client.post(ENROL, {"code": "000000" if code_now(key) != "000000" else "111111"})
    assert "That code does not match" in wrong.text
    response = client.post(ENROL, {"code": code_now(key)})

    assert response["Location"] == CODES
    device = TOTPDevice.objects.get(user=admin)
    assert device.confirmed and device.key == key
    shown = client.get(CODES)
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", shown.text)
    assert len(codes) == RECOVERY_CODE_COUNT == 10
    assert "Keep these codes safe: this is the only time they are shown." in shown.text
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True))
    assert client.get(CODES)["Location"] == ENROL, "the codes were shown twice"
    assert client.get(ADMIN_INDEX).status_code == 200
    assert AdminLog.objects.filter(action="second_factor_enrolled", entity_id=str(admin.pk)).count() == 1


def test_an_administrator_logs_in_with_the_code_of_the_app():
    admin = AdminUserFactory()
    client = log_in_with_password(admin)

    response = client.get(ADMIN_INDEX)
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    page = client.get(response["Location"])
    assert "Enter the 6-digit code from your authenticator app." in page.text

    response = client.post(VERIFY, {"code": totp_code(admin), "next": ADMIN_INDEX})

    assert response["Location"] == ADMIN_INDEX
    assert client.get(ADMIN_INDEX).status_code == 200


def test_a_code_is_not_accepted_twice():
    admin = AdminUserFactory()
    code = totp_code(admin)
    log_in_with_password(admin).post(VERIFY, {"code": code})

    response = log_in_with_password(admin).post(VERIFY, {"code": code})

    assert "That code is not right." in response.text


def test_a_password_only_administrator_session_gets_no_back_office_page(rf):
    admin = AdminUserFactory()
    client = log_in_with_password(admin)

    for url in (ADMIN_INDEX, USERS, reverse("admin:bookings_booking_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)
    # The back office's own check refuses such a session too, whatever the middleware does.
    from django.contrib import admin as django_admin

    request = rf.get(ADMIN_INDEX)
    request.user = admin
    admin.is_verified = lambda: False
    assert not django_admin.site.has_permission(request)
    admin.is_verified = lambda: True
    assert django_admin.site.has_permission(request)


def test_wrong_codes_are_throttled_and_then_even_the_right_code_waits():
    admin = AdminUserFactory()
    client = log_in_with_password(admin)

    first = client.post(VERIFY, {"code": a_code_before(admin)})
    assert "That code is not right." in first.text
    second = client.post(VERIFY, {"code": totp_code(admin)})

    assert "Too many wrong codes. Wait 1 second before you try again." in second.text
    assert client.get(ADMIN_INDEX).status_code == 302
    device = TOTPDevice.objects.get(user=admin)
    assert device.throttling_failure_count == 1

    # Each wrong code doubles the wait: 1, 2, 4, 8 ... seconds.
    device.throttling_failure_timestamp = timezone.now() - timedelta(seconds=2)
    device.save()
    client.post(VERIFY, {"code": a_code_before(admin)})
    third = client.post(VERIFY, {"code": totp_code(admin)})
    assert "Wait 2 seconds" in third.text

    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timedelta(seconds=3)
    device.save()
    response = client.post(VERIFY, {"code": totp_code(admin)})
    assert response.status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_recovery_code_logs_in_once():
    admin = AdminUserFactory()
    enrolled = Client()
    enrolled.force_login(admin)
    enrolled.post(CODES)
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", enrolled.get(CODES).text)

    client = log_in_with_password(admin)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)

    assert response.redirect_chain[-1][0] == ADMIN_INDEX
    assert "which no longer works now; 9 codes are left" in response.text
    entry = AdminLog.objects.get(action="recovery_code_used")
    assert entry.entity_id == str(admin.pk)
    again = log_in_with_password(admin).post(VERIFY, {"code": codes[0]})
    assert "That code is not right." in again.text
    assert StaticToken.objects.filter(device__user=admin).count() == 9


def test_new_recovery_codes_replace_the_old_ones():
    admin = AdminUserFactory()
    client = Client()
    client.force_login(admin)
    client.post(CODES)
    old = re.findall(r"<li>([a-z2-7]{8})</li>", client.get(CODES).text)
    client.post(CODES)
    new = re.findall(r"<li>([a-z2-7]{8})</li>", client.get(CODES).text)

    assert len(new) == 10 and not set(old) & set(new)
    assert "That code is not right." in log_in_with_password(admin).post(VERIFY, {"code": old[0]}).text


def test_another_administrator_resets_a_lost_second_factor_audited():
    lost = AdminUserFactory(email="lost.phone@example.com")
    office = AdminUserFactory(email="office@example.com")
    client = Client()
    client.force_login(office)
    old_session = log_in_with_password(lost)
    old_session.post(VERIFY, {"code": totp_code(lost)})
    assert old_session.get(ADMIN_INDEX).status_code == 200

    response = client.post(USERS, {"action": "reset_second_factor", "_selected_action": [lost.pk]}, follow=True)

    assert "Two-factor log-in reset for 1 user" in response.text
    assert not TOTPDevice.objects.filter(user=lost).exists()
    assert not StaticDevice.objects.filter(user=lost).exists()
    entry = AdminLog.objects.get(action="second_factor_reset")
    assert (entry.admin_user, entry.entity_id) == (office, str(lost.pk))
    # Their open session no longer counts as verified, and their next log-in enrols again.
    assert old_session.get(ADMIN_INDEX)["Location"].startswith(VERIFY)
    assert log_in_with_password(lost).get(ADMIN_INDEX, follow=True).redirect_chain[-1][0].startswith(ENROL)


def test_an_administrator_cannot_reset_their_own_second_factor(admin_client, admin_user):
    response = admin_client.post(
        USERS, {"action": "reset_second_factor", "_selected_action": [admin_user.pk]}, follow=True
    )

    assert "Another administrator must reset your own two-factor log-in." in response.text
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    assert not AdminLog.objects.filter(action="second_factor_reset").exists()


def test_a_technician_required_by_an_administrator_must_enrol(admin_client, technician, patient):
    response = admin_client.post(
        USERS,
        {"action": "require_second_factor", "_selected_action": [technician.user.pk, patient.pk]},
        follow=True,
    )

    assert "1 technician changed." in response.text
    assert "1 selected user is not a technician" in response.text
    technician.user.refresh_from_db()
    assert technician.user.second_factor_required
    entry = AdminLog.objects.get(action="second_factor_required")
    assert entry.entity_id == str(technician.user.pk)
    assert entry.new_values == {"second_factor_required": True}

    client = log_in_with_password(technician.user)
    response = client.get(reverse("portal:jobs"), follow=True)
    assert response.redirect_chain[-1][0].startswith(ENROL)
    assert "Your account logs in with a code from an authenticator app" in response.text
    key = client.session[PENDING_SECRET_KEY]
    client.post(ENROL, {"code": code_now(key)})
    assert client.get(reverse("portal:jobs")).status_code == 200


def test_a_technician_not_required_logs_in_with_the_password_only(technician):
    client = log_in_with_password(technician.user)

    assert client.get(reverse("portal:jobs")).status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("accounts:after-login")


def test_a_technician_who_enrolled_of_their_own_accord_gives_the_code_next_time(technician):
    client = log_in_with_password(technician.user)
    assert "Set up two-factor log-in" in client.get(ENROL).text
    client.post(ENROL, {"code": code_now(client.session[PENDING_SECRET_KEY])})

    later = log_in_with_password(technician.user)

    assert later.get(reverse("portal:jobs"))["Location"].startswith(VERIFY)


def test_patients_have_no_second_factor_pages():
    client = Client()
    client.force_login(PatientFactory())

    assert client.get(ENROL).status_code == 403
    assert client.get(CODES).status_code == 403
    assert client.get(VERIFY)["Location"] == reverse("accounts:after-login")
