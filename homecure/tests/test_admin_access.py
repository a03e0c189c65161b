"""Only platform administrators (role admin and staff) enter the back office; everyone else is sent
to their own pages, whatever their staff flag says."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts.models import UserRole
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory, UserFactory, totp_code
from homecure.models import SystemSettings

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_administrators_enter(admin_client):
    assert admin_client.get(INDEX).status_code == 200


def test_visitors_are_asked_to_log_in(client):
    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={INDEX}"


@pytest.mark.parametrize(
    ("persona", "start_page"),
    [("patient", "bookings:list"), ("technician", "portal:dashboard")],
)
def test_patients_and_technicians_go_to_their_own_pages(request, persona, start_page):
    person = request.getfixturevalue(persona)
    client = _client_for(person if persona == "patient" else person.user)

    for url in (INDEX, reverse("admin:bookings_booking_changelist"), reverse("admin:login")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1] == (reverse(start_page), 302)


def test_a_staff_flag_alone_does_not_open_the_back_office():
    staff_patient = PatientFactory(is_staff=True, is_superuser=True)

    response = _client_for(staff_patient).get(INDEX)

    assert response["Location"] == reverse("accounts:after-login")


def test_an_administrator_account_without_staff_status_is_refused():
    response = _client_for(UserFactory(role=UserRole.ADMIN, is_staff=False)).get(INDEX)

    assert response.status_code == 403


def test_an_inactive_administrator_cannot_log_in(client, admin_user):
    admin_user.is_active = False
    admin_user.save()

    response = client.post(
        reverse("admin:login"), {"username": admin_user.email, "password": DEFAULT_PASSWORD, "next": INDEX}
    )

    assert response.status_code == 200
    assert client.get(INDEX).status_code == 302


def test_an_administrator_logs_in_on_the_admin_page_then_gives_the_code(client, admin_user):
    response = client.post(
        reverse("admin:login"), {"username": admin_user.email, "password": DEFAULT_PASSWORD, "next": INDEX}
    )

    assert response["Location"] == INDEX
    verify = client.get(INDEX)
    assert verify["Location"] == f"{reverse('accounts:two-factor-verify')}?next=%2Fadmin%2F"
    response = client.post(verify["Location"], {"code": totp_code(admin_user)})
    assert response["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


def test_a_patient_cannot_change_anything_through_admin_urls(patient_client):
    setting = SystemSettings.objects.get(key="platform_commission_rate")

    response = patient_client.post(reverse("admin:homecure_systemsettings_change", args=[setting.pk]), {"value": "0.5"})

    setting.refresh_from_db()
    assert response.status_code == 302
    assert setting.value == "0.15"


def test_an_administrator_logs_out_with_a_post(admin_client):
    response = admin_client.post(reverse("admin:logout"))

    assert response["Location"] == reverse("home")
    assert admin_client.get(INDEX)["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("log_in_page", ["/admin/login/", "/accounts/login/"])
def test_an_overlong_address_is_refused_by_the_form_before_any_log_in_attempt_is_recorded(client, log_in_page):
    # Django's own log-in forms put the maximum length on the widget only: 300 characters reached
    # authenticate(), and the throttling's record of the failure (255 characters at most) was a
    # 500 on PostgreSQL.
    response = client.post(log_in_page, {"username": "x" * 300 + "@example.com", "password": "wrong"})

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not AccessAttempt.objects.exists()
