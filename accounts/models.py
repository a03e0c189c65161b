from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.user_cache import forget_users
from homecure.base.timestamps import TouchesUpdatedAt, TouchingQuerySet

phone_validator = RegexValidator(
    r"^\+?[0-9 ()-]{6,20}$",
    _("Enter a phone number of 6 to 20 digits; spaces, brackets, dashes and a leading + are allowed."),
)


def display_name(first_name: str, last_name: str, email: str) -> str:
    """How a person is named: their full name, or their e-mail address without one."""
    return f"{first_name} {last_name}".strip() or email


class UserRole(models.TextChoices):
    PATIENT = "patient", _("Patient")
    TECHNICIAN = "technician", _("Technician")
    ADMIN = "admin", _("Administrator")


class UserQuerySet(TouchingQuerySet):
    """Bulk changes drop the accounts they change from the cache (`accounts.user_cache`), as `save()`
    does, and move their `updated_at`."""

    def update(self, **kwargs):
        pks = list(self.values_list("pk", flat=True))
        changed = super().update(**kwargs)
        forget_users(pks)
        return changed

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        changed = super().bulk_update(objs, fields, batch_size=batch_size)
        forget_users(obj.pk for obj in objs)
        return changed

    bulk_update.alters_data = True

    def delete(self):
        pks = list(self.values_list("pk", flat=True))
        deleted = super().delete()
        forget_users(pks)
        return deleted

    delete.alters_data = True


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        extra_fields.setdefault("role", UserRole.PATIENT)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True, role=UserRole.ADMIN)
        return self._create_user(email, password, **extra_fields)

    def active_admins(self):
        """The users of whom `User.is_active_admin` holds, as a query."""
        return self.filter(role=UserRole.ADMIN, is_staff=True, is_active=True)


class ServiceArea(TouchesUpdatedAt, models.Model):
    """A district the platform serves; patients pick one, technicians list theirs."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when areas belonged to the technicians app.
        db_table = "technicians_servicearea"
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(TouchesUpdatedAt, AbstractUser):
    """A person with exactly one role: patient, technician or administrator."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=20, choices=UserRole.choices, default=UserRole.PATIENT)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    address = models.TextField(_("default address"), max_length=500, blank=True)
    area = models.ForeignKey(
        ServiceArea,
        verbose_name=_("default area"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
    )
    # Set by the public sign-up pages and cleared by the e-mailed link. An account made any other
    # way (by an administrator, by the office for a patient) never waits for a confirmation, so an
    # administrator switching such an account off cannot be undone by a sign-up with its address.
    awaiting_confirmation = models.BooleanField(
        _("awaiting e-mail confirmation"),
        default=False,
        editable=False,
        help_text=_("Signed up on the site; the account opens once the link e-mailed to the address is opened."),
    )
    # Administrators always log in with a second factor; a technician does when an administrator
    # requires it here (accounts.services.user_set_second_factor_required), or when they enrolled
    # an authenticator app of their own accord.
    second_factor_required = models.BooleanField(
        _("two-factor log-in required"),
        default=False,
        editable=False,
        help_text=_(
            "Must log in with a code from an authenticator app as well as the password. Always true for administrators."
        ),
    )

    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        indexes = [
            models.Index(fields=["role", "is_active"], name="user_role_active_idx"),
            # On PostgreSQL the stamp of the patients a technician's dashboard names
            # (`bookings.selectors.dashboard_sources`) is read from this index alone.
            models.Index(fields=["id"], include=["updated_at"], name="user_changed_cover_idx"),
        ]

    def __str__(self):
        return display_name(self.first_name, self.last_name, self.email)

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("accounts:profile")

    @property
    def is_patient(self):
        return self.role == UserRole.PATIENT

    @property
    def is_technician(self):
        return self.role == UserRole.TECHNICIAN

    @property
    def is_platform_admin(self):
        return self.role == UserRole.ADMIN and self.is_staff

    @property
    def must_use_second_factor(self) -> bool:
        """Logs in with a second factor whether or not they have enrolled one (then they must enrol
        before anything else): administrators, and the technicians an administrator requires it of."""
        return self.is_platform_admin or (self.is_technician and self.second_factor_required)

    @property
    def may_use_second_factor(self) -> bool:
        """May enrol an authenticator app: staff (patients log in with their password alone)."""
        return self.is_platform_admin or self.is_technician

    @property
    def is_active_admin(self):
        """Runs the platform now: the administrator role, back-office access and an open account."""
        return self.is_active and self.is_platform_admin
