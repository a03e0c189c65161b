import factory
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
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
    """An administrator with an authenticator app set up, as every administrator must have;
    `AdminUserFactory(second_factor=False)` makes one who still has to enrol."""

    role = UserRole.ADMIN
    is_staff = True
    is_superuser = True

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            TOTPDevice.objects.create(user=obj, name="Authenticator app", confirmed=True)


def totp_code(user, *, at=None) -> str:
    """The 6-digit code the user's authenticator app shows now (or at the Unix time `at`)."""
    from django_otp.oath import TOTP

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"
