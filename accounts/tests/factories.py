import factory
from django.utils.text import slugify
from factory.django import DjangoModelFactory, Password

from accounts.models import ServiceArea, User, UserRole

# Every factory-made user can log in with this password.
DEFAULT_PASSWORD = "Passw0rd!HomeCure"


class ServiceAreaFactory(DjangoModelFactory):
    class Meta:
        model = ServiceArea

    name = factory.Sequence(lambda n: f"District {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = factory.LazyAttribute(lambda o: f"Home visits in {o.name}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.LazyAttributeSequence(lambda o, n: f"{o.role}{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = UserRole.PATIENT
    password = Password(DEFAULT_PASSWORD)


class PatientFactory(UserFactory):
    role = UserRole.PATIENT
    phone = "+44 20 7946 0000"
    address = factory.Faker("street_address")


class TechnicianUserFactory(UserFactory):
    role = UserRole.TECHNICIAN


class AdminUserFactory(UserFactory):
    role = UserRole.ADMIN
    is_staff = True
    is_superuser = True
