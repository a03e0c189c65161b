"""Item 4: log-in throttling, the same answers for known and unknown addresses, reset links that
expire, sessions that end, and `next=` that never leaves the site."""

import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import throttling
from accounts.middleware import LAST_SEEN_KEY, STARTED_KEY
from accounts.tests.factories import DEFAULT_PASSWORD
from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from technicians import services as technician_services

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "not-the-password-1"


def _client(ip="198.51.100.7"):
    return Client(REMOTE_ADDR=ip)


def _log_in(client, email, password=DEFAULT_PASSWORD, url=LOGIN, **extra):
    return client.post(url, {"username": email, "password": password, **extra})


def _page(response):
    """The page without what differs from one request to the next (the CSRF token)."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', "", response.content.decode())


def _logged_in(client):
    return SESSION_KEY in client.session


# Throttling ------------------------------------------------------------------------------------------


def test_five_failures_from_one_client_pause_its_log_in_to_that_account_even_with_the_right_password(patient):
    client = _client()
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE - 1):
        assert _log_in(client, patient.email, WRONG).status_code == 200

    locked = _log_in(client, patient.email, WRONG)
    right_password = _log_in(client, "Patient@Example.com")

    assert locked.status_code == 429
    assert "Log-in paused" in locked.content.decode()
    assert "1 minute." in locked.content.decode()
    assert right_password.status_code == 429
    assert not _logged_in(client)


def test_five_wrong_passwords_from_one_client_do_not_lock_the_owner_out_from_another(patient):
    attacker = _client("203.0.113.50")
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE + 3):
        _log_in(attacker, patient.email, WRONG)
    assert _log_in(attacker, patient.email).status_code == 429

    owner = _log_in(_client("198.51.100.99"), patient.email)

    assert owner.status_code == 302


def test_the_administrators_log_in_is_not_locked_by_a_stranger(admin_user):
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE):
        _log_in(_client("203.0.113.66"), admin_user.email, WRONG, url=reverse("admin:login"))

    assert _log_in(_client("198.51.100.3"), admin_user.email).status_code == 302


def _pause_ends(ip):
    """Moves the pair's failures back in time past the pause they started."""
    attempt = AccessAttempt.objects.get(ip_address=ip)
    pause = throttling.pause_after(attempt.failures_since_start)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - pause - timedelta(seconds=1))


def test_the_pause_grows_with_each_further_failure_from_that_client(patient):
    client = _client("203.0.113.70")
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE):
        _log_in(client, patient.email, WRONG)
    assert "1 minute." in _log_in(client, patient.email).content.decode()

    _pause_ends("203.0.113.70")
    sixth = _log_in(client, patient.email, WRONG)
    still_paused = _log_in(client, patient.email)
    _pause_ends("203.0.113.70")
    seventh = _log_in(client, patient.email, WRONG)

    assert sixth.status_code == 429
    assert "2 minutes." in sixth.content.decode()
    assert still_paused.status_code == 429
    assert "4 minutes." in seventh.content.decode()
    _pause_ends("203.0.113.70")
    assert _log_in(client, patient.email).status_code == 302


def test_the_pause_stops_growing_at_its_longest(patient):
    failures = settings.LOGIN_FAILURES_BEFORE_PAUSE

    assert throttling.pause_after(failures - 1) == timedelta(0)
    assert throttling.pause_after(failures) == timedelta(minutes=1)
    assert throttling.pause_after(failures + 3) == timedelta(minutes=8)
    assert throttling.pause_after(failures + 50) == settings.LOGIN_PAUSE_MAX == timedelta(hours=1)


def test_failures_from_one_client_to_many_accounts_pause_none_of_them(patient, other_patient):
    client = _client("203.0.113.50")
    for n in range(settings.LOGIN_FAILURES_BEFORE_PAUSE):
        _log_in(client, f"guess{n}@example.com", WRONG)

    assert _log_in(client, other_patient.email).status_code == 302


def test_the_back_office_log_in_is_throttled_too(admin_user):
    client = _client()
    url = reverse("admin:login")
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE):
        _log_in(client, admin_user.email, WRONG, url=url)

    response = _log_in(client, admin_user.email, url=url)

    assert response.status_code == 429


def test_a_successful_log_in_clears_the_count(patient):
    client = _client()
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE - 1):
        _log_in(client, patient.email, WRONG)
    assert _log_in(client, patient.email).status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE - 1):
        _log_in(client, patient.email, WRONG)

    assert _log_in(client, patient.email).status_code == 302


def test_a_known_and_an_unknown_address_get_the_same_answers_and_the_same_pause(patient):
    known, unknown = _client("192.0.2.1"), _client("192.0.2.2")
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE - 1):
        first_known = _log_in(known, patient.email, WRONG)
        first_unknown = _log_in(unknown, "nobody@example.com", WRONG)
        assert first_known.status_code == first_unknown.status_code == 200
        assert _page(first_known).replace(patient.email, "X") == _page(first_unknown).replace("nobody@example.com", "X")

    locked_known = _log_in(known, patient.email, WRONG)
    locked_unknown = _log_in(unknown, "nobody@example.com", WRONG)

    assert locked_known.status_code == locked_unknown.status_code == 429
    assert _page(locked_known) == _page(locked_unknown)


def test_an_administrator_unlocks_an_account_from_the_users_list(patient, admin_client, admin_user):
    client = _client()
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE):
        _log_in(client, patient.email, WRONG)
    assert _log_in(client, patient.email).status_code == 429

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [patient.pk]},
        follow=True,
    )

    assert "the selected users can log in again" in response.content.decode()
    assert _log_in(client, patient.email).status_code == 302
    entry = AdminLog.objects.get(action="login_unlocked")
    assert (entry.admin_user, entry.entity_id) == (admin_user, str(patient.pk))


def test_an_administrator_unlocks_an_address_by_deleting_its_attempt_record(patient, admin_client):
    client = _client("203.0.113.80")
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE):
        _log_in(client, patient.email, WRONG)
    assert _log_in(client, patient.email).status_code == 429
    attempts = AccessAttempt.objects.filter(ip_address="203.0.113.80")

    for attempt in attempts:
        admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert not AccessAttempt.objects.filter(ip_address="203.0.113.80").exists()
    assert _log_in(client, patient.email).status_code == 302


def test_choosing_a_new_password_through_the_emailed_link_lifts_the_pause(patient):
    client = _client()
    for _ in range(settings.LOGIN_FAILURES_BEFORE_PAUSE):
        _log_in(client, patient.email, WRONG)
    uid = urlsafe_base64_encode(force_bytes(patient.pk))
    form_url = client.get(
        reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(patient)])
    ).url

    client.post(form_url, {"new_password1": "quiet-harbour-77", "new_password2": "quiet-harbour-77"})

    assert _log_in(client, patient.email, "quiet-harbour-77").status_code == 302


# The same answers for known and unknown addresses ----------------------------------------------------------


def _answer(client, url, data):
    response = client.post(url, data, follow=True)
    return response.redirect_chain, response.status_code, _page(response)


PASSWORD = "lantern-orchard-42"

# Every page where people sign themselves up: the same answer for an address with an account and
# one without, the difference told only by e-mail to the address.
SIGN_UP_FORMS = {
    "accounts:signup": lambda area: {"address": "", "area": area.pk},
    "portal:join": lambda area: {"specialization": "nurse", "license_number": "NMC-999999"},
}


@pytest.mark.parametrize("known", ["patient", "technician"])
@pytest.mark.parametrize("url_name", SIGN_UP_FORMS)
def test_sign_up_answers_the_same_for_a_known_and_an_unknown_address(request, area, url_name, known):
    known = request.getfixturevalue(known)
    known = getattr(known, "user", known)
    form = {
        "first_name": "Sam",
        "last_name": "Okafor",
        "phone": "+44 20 7946 0991",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **SIGN_UP_FORMS[url_name](area),
    }

    known_answer = _answer(Client(), reverse(url_name), {**form, "email": known.email})
    unknown_answer = _answer(Client(), reverse(url_name), {**form, "email": "nobody@example.com"})

    assert known_answer == unknown_answer
    assert known_answer[0] == [(reverse("accounts:signup-sent"), 302)]
    assert [m.to for m in mail.outbox] == [[known.email], ["nobody@example.com"]]
    assert "already" in mail.outbox[0].subject


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(patient):
    known = _answer(Client(), reverse("accounts:password_reset"), {"email": patient.email})
    unknown = _answer(Client(), reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    assert known == unknown


# Password reset ----------------------------------------------------------------------------------------


def _reset_link(client, patient):
    client.post(reverse("accounts:password_reset"), {"email": patient.email})
    return re.search(r"(/accounts/password/reset/\S+/)", mail.outbox[-1].body).group(1)


@pytest.mark.parametrize(("minutes", "works"), [(59, True), (61, False)])
def test_a_reset_link_works_for_an_hour(client, patient, monkeypatch, minutes, works):
    link = _reset_link(client, patient)
    later = default_token_generator._now() + timedelta(minutes=minutes)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = client.get(link, follow=True)

    page = response.content.decode()
    assert ('name="new_password1"' in page) is works
    assert settings.PASSWORD_RESET_TIMEOUT == 3600


def test_a_reset_link_works_once(client, patient):
    link = _reset_link(client, patient)
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": "quiet-harbour-77", "new_password2": "quiet-harbour-77"})

    again = client.get(link, follow=True)

    assert 'name="new_password1"' not in again.content.decode()


# Sessions -----------------------------------------------------------------------------------------------


def _session_clocks(client, *, idle_for: int, logged_in_for: int):
    session = client.session
    now = int(time.time())
    session[LAST_SEEN_KEY] = now - idle_for
    session[STARTED_KEY] = now - logged_in_for
    session.save()


@pytest.mark.parametrize(
    ("who", "idle_minutes", "still_in"),
    [
        ("patient", 29, True),
        ("patient", 31, False),
        ("technician", 31, False),
        ("admin_user", 14, True),
        ("admin_user", 16, False),
    ],
)
def test_a_session_ends_after_30_minutes_idle_and_15_for_administrators(request, who, idle_minutes, still_in):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    client = Client()
    client.force_login(user)
    _session_clocks(client, idle_for=idle_minutes * 60, logged_in_for=idle_minutes * 60)

    response = client.get(reverse("notifications:list"), follow=True)

    assert _logged_in(client) is still_in
    if not still_in:
        assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))
        assert "logged out after" in response.content.decode()


def test_a_session_ends_twelve_hours_after_log_in_however_busy(patient_client):
    _session_clocks(patient_client, idle_for=10, logged_in_for=12 * 3600 + 60)

    response = patient_client.get(reverse("bookings:list"), follow=True)

    assert not _logged_in(patient_client)
    assert "12 hours after logging in" in response.content.decode()


def test_activity_keeps_a_session_alive(patient_client):
    _session_clocks(patient_client, idle_for=20 * 60, logged_in_for=3 * 3600)
    patient_client.get(reverse("bookings:list"))
    _session_clocks_after = patient_client.session[LAST_SEEN_KEY]

    assert int(time.time()) - _session_clocks_after < 5
    assert patient_client.get(reverse("bookings:list")).status_code == 200


def test_log_out_ends_the_session_on_the_server(patient_client):
    cookie = patient_client.cookies[settings.SESSION_COOKIE_NAME].value
    patient_client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie

    response = replay.get(reverse("bookings:list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(patient):
    here, elsewhere = Client(), Client()
    here.force_login(patient)
    elsewhere.force_login(patient)

    here.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "quiet-harbour-77", "new_password2": "quiet-harbour-77"},
    )

    assert here.get(reverse("bookings:list")).status_code == 200
    assert elsewhere.get(reverse("bookings:list")).url.startswith(reverse("accounts:login"))


def test_deactivating_a_user_logs_them_out_on_their_next_request(patient_client, patient):
    assert patient_client.get(reverse("bookings:list")).status_code == 200

    patient.is_active = False
    patient.save()

    response = patient_client.get(reverse("bookings:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_suspended_technician_loses_their_visits_on_the_next_request(technician_client, technician, admin_user):
    visit = BookingFactory(
        technician=technician, status=BookingStatus.PENDING, start=timezone.now() + timedelta(days=2)
    )
    job = reverse("portal:job", args=[visit.reference])
    assert technician_client.get(job).status_code == 200

    technician_services.technician_set_active(technician=technician, actor=admin_user, active=False)

    assert technician_client.get(job).status_code == 404
    assert technician_client.post(reverse("portal:accept", args=[visit.reference])).status_code == 404
    visit.refresh_from_db()
    assert visit.status == BookingStatus.PENDING


# next= ---------------------------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
    " https://evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leads_off_site(client, patient, admin_user, target):
    log_in = client.post(f"{LOGIN}?next={target}", {"username": patient.email, "password": DEFAULT_PASSWORD})
    after = client.get(log_in.url, {"next": target})
    back_office = _log_in(Client(), admin_user.email, url=reverse("admin:login"), next=target)

    for response in (log_in, after, back_office):
        assert response.status_code == 302
        assert response.url.startswith("/")
        assert not response.url.startswith(("//", "/\\"))
        assert "evil.example" not in response.url.split("?")[0]
