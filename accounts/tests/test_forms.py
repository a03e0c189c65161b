import pytest

from accounts.forms import LoginForm, ProfileForm, SignUpForm
from accounts.tests.factories import PatientFactory, ServiceAreaFactory

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "first_name": "Sam",
    "last_name": "Okafor",
    "email": "Sam.Okafor@Example.com",
    "phone": "",
    "address": "",
    "area": "",
    "password1": "lantern-orchard-42",
    "password2": "lantern-orchard-42",
}


def test_sign_up_form_lowercases_the_email():
    form = SignUpForm(SIGN_UP)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "sam.okafor@example.com"


def test_sign_up_form_does_not_tell_that_an_email_is_taken():
    # The sign-up answers the same for an address in use; its owner is told by e-mail instead.
    PatientFactory(email="sam.okafor@example.com")

    form = SignUpForm(SIGN_UP)

    assert form.is_valid(), form.errors


def test_sign_up_form_applies_the_password_validators():
    form = SignUpForm({**SIGN_UP, "password1": "okafor", "password2": "okafor"})

    assert not form.is_valid()
    errors = " ".join(form.errors["password2"])
    assert "too short" in errors
    assert "too similar" in errors


def test_sign_up_form_needs_a_first_and_last_name():
    form = SignUpForm({**SIGN_UP, "first_name": "", "last_name": ""})

    assert not form.is_valid()
    assert set(form.errors) == {"first_name", "last_name"}


def test_sign_up_form_offers_only_active_areas():
    active = ServiceAreaFactory(name="Camden")
    ServiceAreaFactory(name="Closed district", is_active=False)

    assert list(SignUpForm().fields["area"].queryset) == [active]


def test_sign_up_form_fields_say_what_browsers_may_fill_in():
    fields = SignUpForm().fields

    assert fields["email"].widget.attrs["autocomplete"] == "email"
    assert fields["phone"].widget.attrs["autocomplete"] == "tel"
    assert fields["address"].widget.attrs["autocomplete"] == "street-address"
    assert fields["password1"].widget.attrs["autocomplete"] == "new-password"
    assert fields["password2"].widget.attrs["autocomplete"] == "new-password"


def test_login_form_asks_for_an_email_address():
    field = LoginForm().fields["username"]

    assert field.label == "E-mail address"
    assert field.widget.input_type == "email"
    assert field.widget.attrs["autocomplete"] == "email"
    assert LoginForm().fields["password"].widget.attrs["autocomplete"] == "current-password"


def test_profile_form_cannot_change_email_or_role():
    assert list(ProfileForm().fields) == ["first_name", "last_name", "phone", "address", "area"]


def test_profile_form_keeps_a_users_area_after_it_was_closed():
    closed = ServiceAreaFactory(name="Closed district", is_active=False)
    open_area = ServiceAreaFactory(name="Camden")
    user = PatientFactory(area=closed)

    assert set(ProfileForm(instance=user).fields["area"].queryset) == {closed, open_area}
