from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

from accounts.models import User, UserRole

if TYPE_CHECKING:
    from technicians.models import ServiceArea


def is_pending(user: User) -> bool:
    """A patient account that was signed up for but whose e-mail address was never confirmed."""
    return user.role == UserRole.PATIENT and not user.is_active and user.last_login is None


def patient_sign_up(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    address: str = "",
    area: "ServiceArea | None" = None,
) -> User | None:
    """Start a patient account, inactive until its owner confirms the e-mail address.

    Returns the account to confirm, or None when the address belongs to an account in use: the
    caller then tells that address's owner by e-mail and answers exactly as for a new account,
    so the sign-up form does not reveal who has an account. A sign-up that was never confirmed is
    replaced by the new one (its owner may have lost the first e-mail).
    """
    details = {"first_name": first_name, "last_name": last_name, "phone": phone, "address": address, "area": area}
    try:
        with transaction.atomic():
            existing = User.objects.select_for_update().filter(email__iexact=email).first()
            if existing is None:
                return User.objects.create_user(
                    email=email, password=password, role=UserRole.PATIENT, is_active=False, **details
                )
            if not is_pending(existing):
                # Hashing takes most of a sign-up's time: spend it here too, so the answer for an
                # address in use takes as long as for a new one.
                make_password(password)
                return None
            for field, value in details.items():
                setattr(existing, field, value)
            existing.set_password(password)
            existing.save()
            return existing
    except IntegrityError:
        # Two sign-ups with one address at the same moment: the unique index decides.
        return None


def patient_confirm_email(*, user: User) -> User:
    """Activate a signed-up account once its owner has opened the link sent to the address."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_pending(user):
            user.is_active = True
            user.save(update_fields=["is_active"])
    return user
