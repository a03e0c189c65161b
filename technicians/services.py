"""Everything that changes a technician: sign-up and profile, weekly schedule, time off and
availability (done by the technician), verification and suspension (done by administrators)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import pairwise

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as account_services
from accounts.models import ServiceArea, User, UserRole
from homecure.base.audit import audit_event
from homecure.base.dates import format_when
from technicians import signals
from technicians.models import ScheduleWindow, Technician, TimeOff

LICENSE_TAKEN = gettext_lazy("A technician with this license number is already registered.")


@dataclass(frozen=True)
class Window:
    """One working window of the weekly schedule, in the platform's time zone."""

    weekday: int
    start: time
    end: time


def _require_admin(actor: User) -> None:
    if not (actor and actor.is_active_admin):
        raise PermissionDenied


@transaction.atomic
def technician_verify(*, technician: Technician, actor: User, now: datetime | None = None) -> Technician:
    """Mark the technician's credentials as checked; they can be offered work from now on."""
    _require_admin(actor)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if technician.is_verified:
        return technician
    technician.is_verified = True
    technician.verified_at = now or timezone.now()
    technician.save(update_fields=["is_verified", "verified_at", "updated_at"])
    audit_event(
        actor=actor,
        action="technician_verified",
        entity=technician,
        description=_("Verified technician %(technician)s (licence %(license)s).")
        % {"technician": technician, "license": technician.license_number},
        previous_values={"is_verified": False},
        new_values={"is_verified": True},
    )
    signals.technician_verified.send(sender=Technician, technician=technician, actor=actor)
    return technician


@transaction.atomic
def technician_unverify(*, technician: Technician, actor: User) -> Technician:
    """Withdraw verification (credentials expired or in doubt): no new work until verified again."""
    _require_admin(actor)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if not technician.is_verified:
        return technician
    technician.is_verified = False
    technician.verified_at = None
    technician.save(update_fields=["is_verified", "verified_at", "updated_at"])
    audit_event(
        actor=actor,
        action="technician_unverified",
        entity=technician,
        description=_("Withdrew the verification of technician %(technician)s.") % {"technician": technician},
        previous_values={"is_verified": True},
        new_values={"is_verified": False},
    )
    return technician


@transaction.atomic
def technician_set_active(*, technician: Technician, actor: User, active: bool) -> Technician:
    """Suspend (`active=False`) or reinstate a technician."""
    _require_admin(actor)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if technician.is_active == active:
        return technician
    technician.is_active = active
    technician.save(update_fields=["is_active", "updated_at"])
    if active:
        action, text = "technician_reinstated", _("Reinstated technician %(technician)s.")
    else:
        action, text = "technician_suspended", _("Suspended technician %(technician)s.")
    audit_event(
        actor=actor,
        action=action,
        entity=technician,
        description=text % {"technician": technician},
        previous_values={"is_active": not active},
        new_values={"is_active": active},
    )
    if not active:
        signals.technician_suspended.send(sender=Technician, technician=technician, actor=actor)
    return technician


def technician_sign_up(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str,
    specialization: str,
    license_number: str,
) -> Technician | None:
    """A technician account from the "Work with us" page, inactive until the e-mailed link confirms
    the address, with its unverified profile (specialization and license, what the office checks first).

    Works like a patient's sign-up (`accounts.services.user_sign_up`): returns None when the address
    belongs to an account in use, so that the page answers as for a new address and tells the
    owner by e-mail; a sign-up that was never confirmed is replaced, profile included. The office
    is asked to verify the technician only once the address is confirmed (`technician_request_verification`).

    The sign-up does not hold its licence number until the address is confirmed
    (`technician_claim_license`): the form refuses a licence a technician holds, and one taken
    meanwhile is refused at confirmation.
    """
    with transaction.atomic():
        user = account_services.user_sign_up(
            email=email,
            password=password,
            role=UserRole.TECHNICIAN,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
        )
        if user is None:
            return None
        technician, _created = Technician.objects.update_or_create(
            user=user,
            defaults={
                "specialization": specialization,
                "license_number": license_number,
                "holds_license": False,
                "is_verified": False,
                "verified_at": None,
            },
        )
    return technician


def technician_claim_license(*, user: User) -> Technician | None:
    """A technician who signed up has confirmed their address: their licence number becomes theirs.

    Called (through `technicians.receivers`) in the confirmation's transaction, before the office
    is asked to verify them. Raises ValidationError when another technician claimed the same
    licence while this sign-up waited for its link: the confirmation is then undone as a whole and
    the page says so (the office sorts out who the licence belongs to).
    """
    if not user.is_technician:
        return None
    technician = Technician.objects.select_for_update().filter(user=user).first()
    if technician is None or technician.holds_license:
        return technician
    technician.holds_license = True
    try:
        with transaction.atomic():
            technician.save(update_fields=["holds_license"])
    except IntegrityError:
        raise ValidationError(
            _(
                "Another technician has registered license number %(license)s since you signed up, so your "
                "address cannot be confirmed with it. Contact the office: they check who the license belongs to."
            )
            % {"license": technician.license_number}
        ) from None
    return technician


def technician_request_verification(*, user: User) -> Technician | None:
    """A technician who signed up has confirmed their e-mail address: ask the office to verify them.

    Called (through `technicians.receivers`) when accounts confirms an address, once per account.
    Not at sign-up: until the link is opened the address may not be the technician's, and the
    office should not check the credentials of someone who may not exist.
    """
    if not user.is_technician:
        return None
    technician = Technician.objects.filter(user=user).first()
    if technician is not None:
        signals.technician_registered.send(sender=Technician, technician=technician, actor=user)
    return technician


@transaction.atomic
def technician_save_profile(
    *,
    user: User,
    specialization: str,
    license_number: str,
    experience_years: int,
    bio: str,
    certifications: list[dict],
    service_areas: Iterable[ServiceArea],
    photo: ContentFile | None = None,
    remove_photo: bool = False,
) -> Technician:
    """Create or update the technician profile of `user` (a technician invited by an administrator
    has an account but no profile until they fill it in).

    Once an administrator has verified the specialization and license number, they stay as they
    were: changing them needs a new check, which is the office's job.
    """
    if not (user.is_active and user.is_technician):
        raise PermissionDenied
    technician = Technician.objects.select_for_update().filter(user=user).first()
    if technician is None:
        technician = Technician(user=user, is_verified=False)
    if not technician.is_verified:
        technician.specialization = specialization
        technician.license_number = license_number
    technician.experience_years = experience_years
    technician.bio = bio
    technician.certifications = certifications
    old_photo = technician.profile_picture.name if technician.profile_picture else ""
    if photo is not None:
        technician.profile_picture.save(photo.name, photo, save=False)
    elif remove_photo:
        technician.profile_picture = ""
    try:
        with transaction.atomic():
            technician.save()
    except IntegrityError:
        raise ValidationError({"license_number": LICENSE_TAKEN}) from None
    technician.service_areas.set(service_areas)
    new_photo = technician.profile_picture.name if technician.profile_picture else ""
    if old_photo and old_photo != new_photo:
        storage = technician.profile_picture.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    return technician


def _check_windows(windows: list[Window]) -> None:
    by_day: dict[int, list[Window]] = {}
    for window in windows:
        if window.start >= window.end:
            raise ValidationError(_("A working window must end after it starts."))
        by_day.setdefault(window.weekday, []).append(window)
    for day_windows in by_day.values():
        day_windows.sort(key=lambda w: w.start)
        for earlier, later in pairwise(day_windows):
            if later.start < earlier.end:
                raise ValidationError(_("Working windows of one day must not overlap."))


@transaction.atomic
def technician_set_schedule(*, technician: Technician, windows: list[Window]) -> list[ScheduleWindow]:
    """Replace the weekly schedule with `windows` in one step.

    Bookings already made stay as they are; only the times offered to patients from now on change.
    The technician's row is locked so that a booking being placed sees the old or the new schedule,
    never half of each.
    """
    _check_windows(windows)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    technician.availability_schedule.all().delete()
    created = ScheduleWindow.objects.bulk_create(
        ScheduleWindow(technician=technician, weekday=w.weekday, start_time=w.start, end_time=w.end)
        for w in sorted(windows, key=lambda w: (w.weekday, w.start))
    )
    signals.schedule_changed.send(sender=Technician, technician=technician)
    return created


@transaction.atomic
def technician_add_time_off(
    *, technician: Technician, start_date: date, end_date: date, reason: str = "", today: date | None = None
) -> TimeOff:
    """Days off, both ends included. They must not start in the past or overlap days off already taken."""
    today = today or timezone.localdate()
    if end_date < start_date:
        raise ValidationError({"end_date": _("The last day must be on or after the first day.")})
    if start_date < today:
        raise ValidationError({"start_date": _("Time off cannot start in the past.")})
    Technician.objects.select_for_update().get(pk=technician.pk)
    clash = technician.time_off.filter(start_date__lte=end_date, end_date__gte=start_date).first()
    if clash is not None:
        raise ValidationError(
            {
                "start_date": _("These days overlap your time off from %(first)s to %(last)s.")
                % {
                    "first": format_when(clash.start_date, "short_date"),
                    "last": format_when(clash.end_date, "short_date"),
                }
            }
        )
    return TimeOff.objects.create(
        technician=technician, start_date=start_date, end_date=end_date, reason=(reason or "").strip()
    )


@transaction.atomic
def technician_delete_time_off(*, technician: Technician, time_off: TimeOff) -> None:
    """Take back days off (the technician's own only)."""
    if time_off.technician_id != technician.pk:
        raise PermissionDenied
    time_off.delete()


@transaction.atomic
def technician_set_available(*, technician: Technician, available: bool) -> Technician:
    """The technician's own switch for new work; visits already booked are not affected."""
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if technician.is_available == available:
        return technician
    technician.is_available = available
    technician.save(update_fields=["is_available", "updated_at"])
    return technician
