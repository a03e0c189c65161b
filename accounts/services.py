from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import signals
from accounts.models import ServiceArea, User, UserRole
from accounts.two_factor import RECOVERY_CODE_COUNT, clean_code, recovery_codes_left
from homecure.base.audit import audit_event
from homecure.base.errors import ServiceError

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


# Two-factor log-in. A user has at most one authenticator app (a confirmed TOTPDevice) and one set
# of recovery codes (a StaticDevice); django-otp checks the codes and throttles wrong ones per
# device (settings.OTP_TOTP_THROTTLE_FACTOR). Each service locks the user's row, so two requests
# cannot enrol twice or use one recovery code twice.


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with `RECOVERY_CODE_COUNT` new ones; the new codes."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def user_enrol_second_factor(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Switch on two-factor log-in with the authenticator app holding `key` (hex), once `code` shows
    the app is set up; returns the new device and the 10 recovery codes, which are never shown again.

    The secret comes from the enrolment page (kept in the session until now, so opening the page
    writes nothing). A user who already has an app must have it reset first (by an administrator).
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.may_use_second_factor:
            raise PermissionDenied
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ServiceError(_("Two-factor log-in is already on for this account."), code="already_enrolled")
        totp = TOTP(bytes.fromhex(key))
        code = clean_code(code)
        if not (code.isdigit() and len(code) == 6 and totp.verify(int(code), tolerance=1)):
            raise ServiceError(
                _("That code does not match. Check the time on your phone and enter the code the app shows now."),
                code="wrong_code",
            )
        TOTPDevice.objects.filter(user=user).delete()
        # The code just given cannot be used again to log in.
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", key=key, confirmed=True, drift=totp.drift, last_t=totp.t()
        )
        codes = _new_recovery_codes(user)
        audit_event(
            actor=user,
            action="second_factor_enrolled",
            entity=user,
            description=_("%(user)s switched on two-factor log-in with an authenticator app.") % {"user": user.email},
        )
    return device, codes


def _throttled(device: Device) -> ServiceError | None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    wait = max(1, int((details["locked_until"] - timezone.now()).total_seconds() + 0.999))
    return ServiceError(
        ngettext(
            "Too many wrong codes. Wait %(seconds)d second before you try again.",
            "Too many wrong codes. Wait %(seconds)d seconds before you try again.",
            wait,
        )
        % {"seconds": wait},
        code="throttled",
    )


def user_check_second_factor(*, user: User, code: str) -> Device:
    """The device that accepts `code` for `user`: the 6-digit code of their authenticator app, or one of
    their recovery codes, which is used up. Raises ServiceError when the code is wrong, or while wrong
    codes are throttled (django-otp's doubling wait per device, which a right code does not skip).

    A recovery code is audited with how many are left, so the owner and the office can see it was used.
    """
    code = clean_code(code)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        is_app_code = code.isdigit() and len(code) == 6
        model = TOTPDevice if is_app_code else StaticDevice
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            raise ServiceError(_("That code is not right."), code="wrong_code")
        refusal = _throttled(device)
        if refusal is not None:
            raise refusal
        if device.verify_token(code):
            if not is_app_code:
                left = recovery_codes_left(user)
                audit_event(
                    actor=user,
                    action="recovery_code_used",
                    entity=user,
                    description=ngettext(
                        "%(user)s logged in with a recovery code; %(count)d code is left.",
                        "%(user)s logged in with a recovery code; %(count)d codes are left.",
                        left,
                    )
                    % {"user": user.email, "count": left},
                )
            return device
    # Raised outside the transaction: the failure django-otp counted against the device stays.
    raise ServiceError(_("That code is not right."), code="wrong_code")


def user_new_recovery_codes(*, user: User) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); the new ones, shown once."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ServiceError(_("Switch on two-factor log-in first."), code="not_enrolled")
        codes = _new_recovery_codes(user)
        audit_event(
            actor=user,
            action="recovery_codes_replaced",
            entity=user,
            description=_("%(user)s made new recovery codes; the old ones no longer work.") % {"user": user.email},
        )
    return codes


def user_reset_second_factor(*, user: User, actor: User) -> bool:
    """An administrator removes another user's authenticator app and recovery codes (a lost phone):
    the user's sessions stop counting as verified, and at their next log-in they enrol again if they
    must (administrators, technicians it is required of) or log in with the password alone.

    True if there was anything to remove; audited either way. Administrators cannot reset their own
    second factor: another administrator must, so a stolen password alone never removes it.
    """
    if not (actor and actor.is_active_admin):
        raise PermissionDenied
    if actor.pk == user.pk:
        raise ServiceError(_("Another administrator must reset your own two-factor log-in."), code="own_account")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        removed = sum(model.objects.filter(user=user).delete()[0] for model in (TOTPDevice, StaticDevice)) > 0
        audit_event(
            actor=actor,
            action="second_factor_reset",
            entity=user,
            description=_("Reset the two-factor log-in of %(user)s; they set it up again at their next log-in.")
            % {"user": user.email},
        )
    return removed


def user_set_second_factor_required(*, user: User, required: bool, actor: User) -> bool:
    """An administrator requires (or stops requiring) two-factor log-in of a technician; True if it
    changed. Administrators always need it, patients never use it: both are refused. A technician
    required to enrols at their next log-in, before reaching any other page."""
    if not (actor and actor.is_active_admin):
        raise PermissionDenied
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_technician:
            raise ServiceError(_("Only technicians can be required to use two-factor log-in."), code="not_technician")
        if user.second_factor_required == required:
            return False
        user.second_factor_required = required
        user.save(update_fields=["second_factor_required"])
        audit_event(
            actor=actor,
            action="second_factor_required" if required else "second_factor_not_required",
            entity=user,
            description=(
                _("Required two-factor log-in of %(user)s.")
                if required
                else _("No longer requires two-factor log-in of %(user)s.")
            )
            % {"user": user.email},
            previous_values={"second_factor_required": not required},
            new_values={"second_factor_required": required},
        )
    return True
