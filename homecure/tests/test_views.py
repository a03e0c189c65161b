import re
import time
from types import SimpleNamespace

import pytest
from django.core.cache.backends import base, locmem
from django.test import RequestFactory
from django.urls import reverse

from bookings.models import ServiceCategory
from bookings.tests.factories import ServiceFactory
from homecure.models import Contact
from homecure.site import views
from homecure.site.forms import ContactForm

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Maria Lopez",
    "email": "maria@example.com",
    "phone": "+44 20 7946 0123",
    "subject": "Visits on Sundays",
    "message": "Do your nurses visit on Sundays?",
}


def field_error(response, field):
    """The error messages shown under a form field, joined by spaces; "" when there is none."""
    found = re.findall(rf'id="error_\d+_id_{field}"[^>]*><strong>(.*?)</strong>', response.content.decode(), re.S)
    return " ".join(found)


def test_home_shows_categories_and_active_services_of_each_category(client):
    ServiceFactory.create_batch(3, category=ServiceCategory.LAB_TESTS)
    ServiceFactory(name="Injection at home", category=ServiceCategory.NURSING)
    ServiceFactory(name="Knee rehabilitation", category=ServiceCategory.PHYSIOTHERAPY)
    ServiceFactory(name="Retired massage", category=ServiceCategory.PHYSIOTHERAPY, is_active=False)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Injection at home" in html
    assert "Knee rehabilitation" in html
    assert "Retired massage" not in html
    assert [service.category for service in response.context["services"]] == [
        ServiceCategory.NURSING,
        ServiceCategory.PHYSIOTHERAPY,
        ServiceCategory.LAB_TESTS,
        ServiceCategory.LAB_TESTS,
    ]
    for category in ServiceCategory:
        assert f"?category={category.value}" in html
    assert "How it works" in html


def test_pages_declare_language_and_offer_a_skip_link(client):
    html = client.get(reverse("home")).content.decode()

    assert '<html lang="en">' in html
    assert 'href="#main"' in html
    assert "Skip to content" in html


def test_visitor_navbar_offers_services_contact_log_in_and_sign_up(client):
    html = client.get(reverse("home")).content.decode()

    for url in ("catalog:list", "contact", "accounts:login", "accounts:signup"):
        assert f'href="{reverse(url)}"' in html
    assert reverse("accounts:logout") not in html


def test_patient_navbar_shows_name_bookings_and_a_logout_form(patient_client):
    html = patient_client.get(reverse("home")).content.decode()

    assert "Paula Patient" in html
    assert "Book a visit" in html
    assert f'href="{reverse("bookings:list")}"' in html
    assert f'href="{reverse("accounts:profile")}"' in html
    assert f'<form method="post" action="{reverse("accounts:logout")}">' in html
    assert f'href="{reverse("accounts:login")}"' not in html
    assert f'href="{reverse("admin:index")}"' not in html


def test_technician_navbar_shows_name_and_profile_but_no_patient_links(technician_client):
    html = technician_client.get(reverse("home")).content.decode()

    assert "Nadia Nurse" in html
    assert f'href="{reverse("accounts:profile")}"' in html
    assert f'href="{reverse("bookings:list")}"' not in html
    assert f'href="{reverse("admin:index")}"' not in html


def test_admin_navbar_links_to_the_back_office(admin_client):
    html = admin_client.get(reverse("home")).content.decode()

    assert "Ada Admin" in html
    assert f'href="{reverse("admin:index")}"' in html
    assert f'href="{reverse("bookings:list")}"' not in html


def test_contact_form_saves_the_message_with_the_sender_address(client):
    response = client.post(reverse("contact"), CONTACT, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    assert response.url == reverse("contact")
    message = Contact.objects.get()
    assert (message.name, message.email, message.subject) == ("Maria Lopez", "maria@example.com", "Visits on Sundays")
    assert message.ip_address == "203.0.113.7"
    assert not message.is_handled
    assert "your message was sent" in client.get(response.url).content.decode()


def test_contact_form_shows_errors_next_to_the_fields_and_saves_nothing(client):
    data = {**CONTACT, "email": "not-an-address", "subject": "x" * 151, "message": ""}

    response = client.post(reverse("contact"), data)

    assert response.status_code == 200
    assert field_error(response, "email") == "Enter a valid email address."
    assert "at most 150 characters" in field_error(response, "subject")
    assert field_error(response, "message") == "This field is required."
    assert not Contact.objects.exists()


def test_contact_form_refuses_a_bad_phone_number(client):
    response = client.post(reverse("contact"), {**CONTACT, "phone": "call me maybe"})

    assert "phone number" in field_error(response, "phone")
    assert not Contact.objects.exists()


def test_sixth_message_from_one_address_within_an_hour_is_refused(client):
    for _ in range(5):
        assert client.post(reverse("contact"), CONTACT, REMOTE_ADDR="198.51.100.1").status_code == 302

    response = client.post(reverse("contact"), CONTACT, REMOTE_ADDR="198.51.100.1")

    assert response.status_code == 200
    assert "already sent several messages in the last hour" in response.content.decode()
    assert Contact.objects.count() == 5
    assert client.post(reverse("contact"), CONTACT, REMOTE_ADDR="198.51.100.2").status_code == 302


def test_messages_older_than_an_hour_do_not_count_towards_the_limit(client, monkeypatch):
    for _ in range(5):
        client.post(reverse("contact"), CONTACT, REMOTE_ADDR="198.51.100.1")
    an_hour_later = time.time() + 61 * 60
    for cache_module in (base, locmem):
        monkeypatch.setattr(cache_module, "time", SimpleNamespace(time=lambda: an_hour_later))

    response = client.post(reverse("contact"), CONTACT, REMOTE_ADDR="198.51.100.1")

    assert response.status_code == 302
    assert Contact.objects.count() == 6


def test_two_messages_at_the_limit_checked_at_once_let_only_one_through(client):
    """Two servers checking the sixth and seventh message before either is saved: the counter is
    taken when the form is checked, so only one of them is within the limit."""
    for _ in range(4):
        client.post(reverse("contact"), CONTACT, REMOTE_ADDR="198.51.100.1")
    forms = [ContactForm(CONTACT, ip_address="198.51.100.1") for _ in range(2)]

    valid = [form.is_valid() for form in forms]

    assert sorted(valid) == [False, True]
    refused = forms[valid.index(False)]
    assert "already sent several messages" in refused.non_field_errors()[0]


def test_a_message_with_mistakes_does_not_count_towards_the_limit(client):
    for _ in range(5):
        client.post(reverse("contact"), {**CONTACT, "email": "not-an-address"}, REMOTE_ADDR="198.51.100.1")

    assert client.post(reverse("contact"), CONTACT, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_contact_form_is_prefilled_for_a_logged_in_user(patient_client):
    response = patient_client.get(reverse("contact"))

    assert response.context["form"].initial["email"] == "patient@example.com"
    assert response.context["form"].initial["name"] == "Paula Patient"


def test_unknown_page_uses_the_site_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert f'href="{reverse("catalog:list")}"' in response.content.decode()


def test_permission_denied_page(rf):
    request = rf.get("/")
    request.user = None

    response = views.permission_denied(request)

    assert response.status_code == 403
    assert "You are not allowed to see this page" in response.content.decode()


def test_server_error_page_needs_no_request_context():
    # A bare request without session or user, as after a middleware failure.
    response = views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
