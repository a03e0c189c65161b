import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.forms import SignUpForm
from accounts.models import User, UserRole
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "first_name": "Sam",
    "last_name": "Okafor",
    "email": "Sam.Okafor@Example.com",
    "phone": "+44 20 7946 0991",
    "address": "12 Elm Street",
    "area": "",
    "password1": "lantern-orchard-42",
    "password2": "lantern-orchard-42",
}


def field_error(response, field):
    """The error messages shown under a form field, joined by spaces; "" when there is none."""
    found = re.findall(rf'id="error_\d+_id_{field}"[^>]*><strong>(.*?)</strong>', response.content.decode(), re.S)
    return " ".join(found)


def without_csrf_token(response):
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", response.content.decode())


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


# Sign-up


def confirmation_link(email):
    """The path of the confirmation link in the last e-mail sent to `email`."""
    (message,) = [m for m in mail.outbox if m.to == [email]][-1:]
    return re.search(re.escape(settings.SITE_URL) + r"(/accounts/signup/confirm/\S+)", message.body).group(1)


def test_sign_up_opens_an_inactive_patient_account_and_emails_a_confirmation_link(client, area):
    response = client.post(reverse("accounts:signup"), {**SIGN_UP, "area": area.pk})

    assert response.status_code == 302
    assert response.url == reverse("accounts:signup-sent")
    user = User.objects.get()
    assert user.email == "sam.okafor@example.com"
    assert (user.first_name, user.last_name, user.role) == ("Sam", "Okafor", UserRole.PATIENT)
    assert (user.phone, user.address, user.area) == ("+44 20 7946 0991", "12 Elm Street", area)
    assert user.check_password("lantern-orchard-42")
    assert not user.is_active
    assert logged_in_user_id(client) is None
    assert mail.outbox[0].subject == "Confirm your e-mail address for HomeCure"
    assert "Check your e-mail" in client.get(response.url).content.decode()


def log_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_the_confirmation_link_asks_first_then_activates_and_asks_for_the_password(client, area):
    client.post(reverse("accounts:signup"), {**SIGN_UP, "area": area.pk})
    link = confirmation_link("sam.okafor@example.com")

    page = client.get(link)
    assert "Confirm my address" in page.content.decode()
    assert not User.objects.get().is_active

    response = client.post(link, follow=True)

    user = User.objects.get()
    assert user.is_active
    assert logged_in_user_id(client) is None
    assert response.redirect_chain == [(reverse("accounts:login"), 302)]
    assert [str(m) for m in response.context["messages"]] == ["Your address is confirmed. Log in with your password."]
    assert log_in(client, "sam.okafor@example.com", SIGN_UP["password1"]).status_code == 302
    assert str(logged_in_user_id(client)) == str(user.pk)
    assert client.get(reverse("accounts:after-login")).url == reverse("bookings:list")


def test_the_confirmation_link_works_once(client):
    client.post(reverse("accounts:signup"), SIGN_UP)
    link = confirmation_link("sam.okafor@example.com")
    client.post(link)
    client.post(reverse("accounts:logout"))

    again = client.post(link)

    assert again.status_code == 200
    assert "This link does not work" in again.content.decode()
    assert logged_in_user_id(client) is None


def test_an_unconfirmed_account_cannot_log_in(client):
    client.post(reverse("accounts:signup"), SIGN_UP)

    response = client.post(reverse("accounts:login"), {"username": SIGN_UP["email"], "password": SIGN_UP["password1"]})

    assert response.status_code == 200
    assert "Open the link we e-mailed you" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_sign_up_keeps_a_safe_next_page(client, service):
    booking_url = reverse("bookings:new", args=[service.slug])

    client.post(f"{reverse('accounts:signup')}?next={booking_url}", {**SIGN_UP, "next": booking_url})
    response = client.post(confirmation_link("sam.okafor@example.com"))
    assert response.url == f"{reverse('accounts:login')}?next={booking_url.replace('/', '%2F')}"

    logged_in = client.post(response.url, {"username": SIGN_UP["email"], "password": SIGN_UP["password1"]})

    assert logged_in.url == booking_url


def test_sign_up_with_a_taken_email_answers_as_for_a_new_one_and_tells_the_owner(client):
    owner = PatientFactory(email="sam.okafor@example.com", first_name="Samantha")
    new = Client().post(reverse("accounts:signup"), {**SIGN_UP, "email": "someone.new@example.com"})

    taken = client.post(reverse("accounts:signup"), {**SIGN_UP, "email": "SAM.OKAFOR@example.com"})

    assert (taken.status_code, taken.url) == (new.status_code, new.url)
    owner.refresh_from_db()
    assert (owner.first_name, owner.is_active) == ("Samantha", True)
    assert not owner.check_password(SIGN_UP["password1"])
    assert logged_in_user_id(client) is None
    (message,) = [m for m in mail.outbox if m.to == ["sam.okafor@example.com"]]
    assert message.subject == "You already have a HomeCure account"
    assert "/accounts/password/reset/" in message.body


SECOND_SIGN_UP = {**SIGN_UP, "first_name": "Mallory", "password1": "new-orchard-77", "password2": "new-orchard-77"}


def test_signing_up_again_before_confirming_changes_nothing_and_sends_the_first_link_again(client):
    first = client.post(reverse("accounts:signup"), SIGN_UP)
    first_link = confirmation_link("sam.okafor@example.com")
    before = User.objects.values().get()

    second = Client().post(reverse("accounts:signup"), SECOND_SIGN_UP)

    assert (second.status_code, second.url) == (first.status_code, first.url)
    assert User.objects.values().get() == before
    assert [m.to for m in mail.outbox] == [["sam.okafor@example.com"]] * 2
    assert "signed up to HomeCure again" in mail.outbox[1].body
    assert "Hello Sam," in mail.outbox[1].body
    # The first link still works, and confirming opens the account only to its own password.
    confirmed = client.post(first_link)
    assert confirmed.url == reverse("accounts:login")
    assert logged_in_user_id(client) is None
    assert log_in(client, "sam.okafor@example.com", SECOND_SIGN_UP["password1"]).status_code == 200
    assert logged_in_user_id(client) is None
    assert log_in(client, "sam.okafor@example.com", SIGN_UP["password1"]).status_code == 302
    assert User.objects.get().first_name == "Sam"


def test_the_link_sent_again_confirms_the_first_sign_up_as_it_was(client):
    client.post(reverse("accounts:signup"), SIGN_UP)
    Client().post(reverse("accounts:signup"), SECOND_SIGN_UP)

    client.post(confirmation_link("sam.okafor@example.com"))

    user = User.objects.get()
    assert (user.is_active, user.first_name) == (True, "Sam")
    assert user.check_password(SIGN_UP["password1"])
    assert logged_in_user_id(client) is None


def test_the_first_link_is_sent_again_at_most_once_in_ten_minutes(client):
    client.post(reverse("accounts:signup"), SIGN_UP)
    for _ in range(3):
        Client().post(reverse("accounts:signup"), SECOND_SIGN_UP)

    assert len(mail.outbox) == 2


def test_sign_up_with_a_weak_password_shows_the_error_at_the_field(client):
    response = client.post(reverse("accounts:signup"), {**SIGN_UP, "password1": "12345678", "password2": "12345678"})

    assert response.status_code == 200
    error = field_error(response, "password2")
    assert "too short" in error
    assert "too common" in error
    assert not User.objects.exists()


def test_sign_up_with_mismatched_passwords_shows_the_error_at_the_field(client):
    response = client.post(reverse("accounts:signup"), {**SIGN_UP, "password2": "lantern-orchard-43"})

    assert response.status_code == 200
    assert "The two password fields didn" in field_error(response, "password2")
    assert not User.objects.exists()


def test_sign_up_cannot_choose_a_role(client):
    client.post(reverse("accounts:signup"), {**SIGN_UP, "role": UserRole.ADMIN, "is_staff": "on"})

    user = User.objects.get()
    assert user.role == UserRole.PATIENT
    assert not user.is_staff


def test_sign_up_form_labels_every_field(client):
    html = client.get(reverse("accounts:signup")).content.decode()

    for field in ("first_name", "last_name", "email", "phone", "address", "area", "password1", "password2"):
        assert f'for="id_{field}"' in html


# Log in and out


def test_login_with_email_in_any_case(client, patient):
    response = client.post(reverse("accounts:login"), {"username": "Patient@Example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("accounts:after-login")
    assert str(logged_in_user_id(client)) == str(patient.pk)


def test_login_with_a_wrong_password_says_so(client, patient):
    response = client.post(reverse("accounts:login"), {"username": patient.email, "password": "wrong-password"})

    assert response.status_code == 200
    assert "The e-mail address or password is not correct." in response.content.decode()
    assert logged_in_user_id(client) is None


def test_login_page_labels_the_email_field(client):
    html = client.get(reverse("accounts:login")).content.decode()

    assert re.search(r'<label\s+for="id_username"[^>]*>\s*E-mail address', html)
    assert 'type="email"' in html


def test_logout_is_post_only(patient_client):
    assert patient_client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_user_id(patient_client) is not None

    response = patient_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert logged_in_user_id(patient_client) is None


# After login


def test_after_login_sends_each_role_to_its_start_page(client, patient, technician, admin_user):
    expected = {
        patient: reverse("bookings:list"),
        technician.user: reverse("portal:dashboard"),
        admin_user: reverse("admin:index"),
    }
    for user, url in expected.items():
        client.force_login(user)
        assert client.get(reverse("accounts:after-login")).url == url


def test_after_login_follows_a_local_next_page(patient_client):
    response = patient_client.get(reverse("accounts:after-login"), {"next": "/services/"})

    assert response.url == "/services/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_after_login_ignores_an_off_site_next_page(patient_client, target):
    response = patient_client.get(reverse("accounts:after-login"), {"next": target})

    assert response.url == reverse("bookings:list")


def test_login_ignores_an_off_site_next_page(client, patient):
    response = client.post(
        reverse("accounts:login"),
        {"username": patient.email, "password": DEFAULT_PASSWORD, "next": "https://evil.example/"},
    )

    assert response.url == reverse("accounts:after-login")


def test_after_login_needs_a_login(client):
    response = client.get(reverse("accounts:after-login"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# Profile


def test_profile_edit_saves_personal_details(patient_client, patient, other_area):
    response = patient_client.post(
        reverse("accounts:profile"),
        {
            "first_name": "Paulina",
            "last_name": "Patient",
            "phone": "+44 20 7946 0555",
            "address": "2 Hackney Road",
            "area": other_area.pk,
        },
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.first_name, patient.phone, patient.address, patient.area) == (
        "Paulina",
        "+44 20 7946 0555",
        "2 Hackney Road",
        other_area,
    )
    assert "Your profile was saved." in patient_client.get(response.url).content.decode()


def test_profile_edit_cannot_change_email_or_role(patient_client, patient):
    patient_client.post(
        reverse("accounts:profile"),
        {
            "first_name": "Paula",
            "last_name": "Patient",
            "email": "hijack@example.com",
            "role": UserRole.ADMIN,
            "is_staff": "on",
        },
    )

    patient.refresh_from_db()
    assert patient.email == "patient@example.com"
    assert patient.role == UserRole.PATIENT
    assert not patient.is_staff


def test_profile_edit_shows_errors_at_the_field(patient_client, patient):
    response = patient_client.post(
        reverse("accounts:profile"), {"first_name": "", "last_name": "Patient", "phone": "call me"}
    )

    assert response.status_code == 200
    assert field_error(response, "first_name") == "This field is required."
    assert "phone number" in field_error(response, "phone")
    patient.refresh_from_db()
    assert patient.first_name == "Paula"


def test_profile_needs_a_login(client):
    response = client.get(reverse("accounts:profile"))

    assert response.url.startswith(reverse("accounts:login"))


# Passwords


def test_password_change(patient_client, patient):
    response = patient_client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "quiet-harbour-77", "new_password2": "quiet-harbour-77"},
    )

    assert response.url == reverse("accounts:password_change_done")
    patient.refresh_from_db()
    assert patient.check_password("quiet-harbour-77")
    assert logged_in_user_id(patient_client) is not None


def test_password_reset_sends_one_email_with_a_working_link(client, patient):
    response = client.post(reverse("accounts:password_reset"), {"email": "PATIENT@example.com"})

    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["patient@example.com"]
    assert email.subject == "Reset your HomeCure password"
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/password/reset/\S+/)", email.body).group(1)
    assert link in email.alternatives[0].content
    form_url = client.get(link).url
    response = client.post(form_url, {"new_password1": "quiet-harbour-77", "new_password2": "quiet-harbour-77"})
    assert response.url == reverse("accounts:password_reset_complete")
    patient.refresh_from_db()
    assert patient.check_password("quiet-harbour-77")


def test_password_reset_answers_the_same_for_an_unknown_address(client, patient):
    known = client.post(reverse("accounts:password_reset"), {"email": patient.email}, follow=True)
    mail.outbox.clear()

    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    assert without_csrf_token(unknown) == without_csrf_token(known)
    assert mail.outbox == []


def test_sign_up_racing_another_with_the_same_email_answers_as_usual(client, monkeypatch):
    is_valid = SignUpForm.is_valid

    def other_sign_up_commits_after_the_checks(form):
        valid = is_valid(form)
        PatientFactory(email="sam.okafor@example.com")
        return valid

    monkeypatch.setattr(SignUpForm, "is_valid", other_sign_up_commits_after_the_checks)

    response = client.post(reverse("accounts:signup"), SIGN_UP)

    assert response.url == reverse("accounts:signup-sent")
    assert User.objects.count() == 1
    assert logged_in_user_id(client) is None
