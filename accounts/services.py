from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import signals
from accounts.models import ServiceArea, User, UserRole
from homecure.base.audit import audit_event

#: The roles people give themselves on the public sign-up pages (patients, and technicians on "Work
#: with us"); administrators are only ever made by other administrators.
SIGN_UP_ROLES = frozenset({UserRole.PATIENT, UserRole.TECHNICIAN})

#: A sign-up whose link was never opened is deleted this many days after it was made (the link
#: itself works for an hour): nothing is kept of a person who never confirmed longer than that.
UNCONFIRMED_SIGN_UP_DAYS = 7


def is_pending(user: User) -> bool:
    """An account that was signed up for but whose e-mail address was never confirmed."""
    return user.awaiting_confirmation and user.role in SIGN_UP_ROLES and not user.is_active


def _discard(user: User) -> bool:
    """Delete a sign-up that was never confirmed, with what hangs on it (a technician profile).

    False, and nothing deleted, when the office has already recorded something for it (a booking):
    it is then kept as an account in use.
    """
    try:
        with transaction.atomic():
            user.delete()
    except (ProtectedError, RestrictedError):
        return False
    return True


def user_sign_up(*, email: str, password: str, role: str, **details) -> User | None:
    """Start an account with `role`, inactive until its owner confirms the e-mail address.

    Returns the account to confirm, or None when the address already has an account, whether in
    use or still waiting for its link: the caller then e-mails that address (word that the account
    exists, or the pending sign-up's link again) and answers exactly as for a new account, so a
    sign-up form does not reveal who has an account.

    A sign-up waiting for its link is never changed by another one with the same address: not its
    password, details, role or date. Whoever signs up again may not own the address, and replacing
    the password would hand the account to the last person to sign up once the owner opens the link
    (an account takeover). The owner who lost the first e-mail gets its link again.

    `details` are other fields of the user (name, phone, address, area). Called inside the
    caller's transaction when the caller saves more (the technician's profile), so that both
    are saved or neither.
    """
    try:
        with transaction.atomic():
            if User.objects.select_for_update().filter(email__iexact=email).exists():
                # Hashing takes most of a sign-up's time: spend it here too, so the answer for an
                # address with an account takes as long as for a new one.
                make_password(password)
                return None
            return User.objects.create_user(
                email=email, password=password, role=role, is_active=False, awaiting_confirmation=True, **details
            )
    except IntegrityError:
        # Two sign-ups with one address at the same moment: the unique index decides.
        return None


def patient_sign_up(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    address: str = "",
    area: ServiceArea | None = None,
) -> User | None:
    """Start a patient account (see `user_sign_up`): the account to confirm, or None for an address in use."""
    return user_sign_up(
        email=email,
        password=password,
        role=UserRole.PATIENT,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        address=address,
        area=area,
    )


def user_confirm_email(*, user: User) -> User:
    """Activate a signed-up account (patient or technician) once its owner has opened the link
    sent to the address.

    The other apps hear of it through `accounts.signals.email_confirmed`, sent once per account
    and in this transaction: the technicians app then asks the office to verify a new technician,
    which waits until now because before the link is opened the address may not be theirs.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_pending(user):
            user.is_active = True
            user.awaiting_confirmation = False
            user.save(update_fields=["is_active", "awaiting_confirmation"])
            signals.email_confirmed.send(sender=User, user=user)
    return user


def delete_unconfirmed_sign_ups(*, days: int = UNCONFIRMED_SIGN_UP_DAYS, now: datetime | None = None) -> int:
    """Delete the sign-ups whose e-mailed link was not opened within `days` days; the number deleted.

    Only accounts still waiting for their link go: never one that was confirmed, made by an
    administrator or switched off by one. A sign-up the office has already recorded something for
    (a booking) is kept, as the sign-up page keeps it. One audit-log entry says how many went.
    """
    cutoff = (now or timezone.now()) - timedelta(days=days)
    stale = User.objects.filter(
        awaiting_confirmation=True, is_active=False, role__in=SIGN_UP_ROLES, date_joined__lt=cutoff
    ).order_by("pk")
    deleted = sum(_discard(user) for user in stale.iterator())
    if deleted:
        audit_event(
            actor=None,
            action="unconfirmed_sign_ups_deleted",
            entity=("accounts.user", ""),
            description=_("Deleted %(count)d sign-up(s) whose e-mail address was not confirmed within %(days)d days.")
            % {"count": deleted, "days": days},
        )
    return deleted


@transaction.atomic
def user_update_profile(*, user: User, first_name: str, last_name: str, phone: str, address: str, area) -> User:
    """What a user may change about themselves: names, phone, home address and area (never the
    e-mail address or the role, which the profile form does not offer)."""
    user.first_name, user.last_name, user.phone, user.address, user.area = first_name, last_name, phone, address, area
    user.save(update_fields=["first_name", "last_name", "phone", "address", "area"])
    return user


def user_password_reset_done(*, user: User) -> None:
    """A new password chosen through the e-mailed link also lifts a log-in pause on the account:
    the link proved that the person owns the address."""
    axes_reset(username=user.email)


@transaction.atomic
def user_unlock_login(*, user: User, actor: User) -> int:
    """Clear the failed log-in attempts counted against the user's address, so they can log in
    again at once; returns how many attempt records were cleared. Audited even when none were."""
    if not (actor and actor.is_active_admin):
        raise PermissionDenied
    # Failures are counted against the address as typed, lower-cased (accounts.throttling).
    count = axes_reset(username=user.email)
    audit_event(
        actor=actor,
        action="login_unlocked",
        entity=user,
        description=_("Unlocked the log-in of %(user)s (%(count)d failed attempt records cleared).")
        % {"user": user.email, "count": count},
    )
    return count
