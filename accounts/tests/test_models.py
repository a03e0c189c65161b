import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import ServiceArea, User, UserRole
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    AdminUserFactory,
    PatientFactory,
    ServiceAreaFactory,
    TechnicianUserFactory,
)

pytestmark = pytest.mark.django_db


def test_create_user_stores_a_lower_case_email_and_makes_a_patient():
    user = User.objects.create_user("  Ann.Smith@Example.COM", password=DEFAULT_PASSWORD, first_name="Ann")

    user.refresh_from_db()
    assert user.email == "ann.smith@example.com"
    assert user.role == UserRole.PATIENT
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert user.check_password(DEFAULT_PASSWORD)


def test_create_user_needs_an_email():
    with pytest.raises(ValueError, match="e-mail address is required"):
        User.objects.create_user("", password=DEFAULT_PASSWORD)


def test_create_superuser_is_a_platform_admin():
    user = User.objects.create_superuser("Boss@Example.com", password=DEFAULT_PASSWORD, role=UserRole.PATIENT)

    assert user.email == "boss@example.com"
    assert user.role == UserRole.ADMIN
    assert (user.is_staff, user.is_superuser, user.is_platform_admin) == (True, True, True)


def test_email_is_unique_whatever_its_case():
    PatientFactory(email="paula@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(email="Paula@Example.com")


def test_str_is_the_full_name_or_else_the_email():
    assert str(PatientFactory(first_name="Paula", last_name="Patient")) == "Paula Patient"
    assert str(PatientFactory(email="anon@example.com", first_name="", last_name="")) == "anon@example.com"


def test_area_name_and_slug_are_unique():
    ServiceAreaFactory(name="Camden", slug="camden")

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceAreaFactory(name="Camden", slug="camden-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceAreaFactory(name="Camden Town", slug="camden")


def test_str_of_an_area_is_its_name():
    assert str(ServiceArea(name="Camden")) == "Camden"


def test_role_predicates():
    patient, technician, admin = PatientFactory(), TechnicianUserFactory(), AdminUserFactory()

    assert (patient.is_patient, patient.is_technician, patient.is_platform_admin) == (True, False, False)
    assert (technician.is_patient, technician.is_technician, technician.is_platform_admin) == (False, True, False)
    assert (admin.is_patient, admin.is_technician, admin.is_platform_admin) == (False, False, True)


def test_admin_role_without_staff_access_is_not_a_platform_admin():
    assert AdminUserFactory(is_staff=False).is_platform_admin is False


def test_active_admin_needs_the_role_staff_access_and_an_open_account():
    admin = AdminUserFactory()
    AdminUserFactory(is_staff=False)
    AdminUserFactory(is_active=False)
    PatientFactory(is_staff=True)

    assert admin.is_active_admin is True
    assert AdminUserFactory.build(is_active=False).is_active_admin is False
    assert AdminUserFactory.build(is_staff=False).is_active_admin is False
    assert list(User.objects.active_admins()) == [admin]


def test_role_choices():
    assert UserRole.values == ["patient", "technician", "admin"]
    assert PatientFactory().get_role_display() == "Patient"


@pytest.mark.parametrize("phone", ["+44 20 7946 0000", "(020) 7946-0000", "0791234567"])
def test_phone_numbers_people_write_are_accepted(phone):
    PatientFactory.build(phone=phone).full_clean(exclude=["password"])


@pytest.mark.parametrize("phone", ["12345", "call me", "+44 20 7946 0000 ext 12"])
def test_impossible_phone_numbers_are_refused(phone):
    with pytest.raises(ValidationError) as error:
        PatientFactory.build(phone=phone).full_clean(exclude=["password"])

    assert "phone" in error.value.message_dict
