import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import User, UserRole

# Every factory-made user can log in with this password.
DEFAULT_PASSWORD = "Passw0rd!HomeCure"


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
