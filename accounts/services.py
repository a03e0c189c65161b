from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User, UserRole

if TYPE_CHECKING:
    from technicians.models import ServiceArea


def patient_sign_up(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    address: str = "",
    area: "ServiceArea | None" = None,
) -> User:
    """Create a patient account; a ValidationError on "email" if the address was taken meanwhile."""
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email,
                password=password,
                role=UserRole.PATIENT,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
                address=address,
                area=area,
            )
    except IntegrityError:
        # Two sign-ups with one address at the same moment: the unique index decides.
        raise ValidationError({"email": _("An account with this e-mail address already exists.")}) from None
