"""Reads of technicians: the profile of the person asking, whether they may work, who may see
their photo. What depends on visits is asked of the apps built on this one through the questions
declared in `technicians.signals`."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from accounts.models import User, UserRole
from homecure.base.page_cache import table_of
from technicians import signals
from technicians.models import Technician


def technician_of(user: User) -> Technician | None:
    """The technician profile of `user`, or None (an invited technician who has not filled it in).
    Every portal page asks, so it is one plain query on the unique `user_id`, and the profile's
    account is `user` itself rather than a join."""
    try:
        technician = Technician.objects.get(user=user)
    except Technician.DoesNotExist:
        return None
    technician.user = user
    return technician


def technician_id_sql() -> str:
    """SQL for the id of the technician profile of the account given as its one parameter (NULL
    without one): a page's stamps (`homecure.base.page_cache`) can then name the technician's rows
    from the logged-in account alone, before and without reading the profile."""
    return f"(SELECT id FROM {table_of(Technician)} WHERE user_id = %s)"  # noqa: S608


def may_work(technician: Technician | None) -> bool:
    return bool(technician and technician.is_working)


def may_see_photo(user: User, technician: Technician) -> bool:
    """The technician, administrators, and patients who have a visit with this technician."""
    if not user.is_authenticated:
        return False
    if technician.user_id == user.pk or user.is_active_admin:
        return True
    if not user.is_patient:
        return False
    answers = signals.photo_viewer_asked.send(sender=Technician, technician=technician, user=user)
    return any(answer for _receiver, answer in answers)


def visits_on_days(technician: Technician, *, start_date: date, end_date: date) -> int:
    """How many visits the technician has accepted from `start_date` to `end_date` (both included),
    as the apps that keep visits answer `visits_on_days_asked`."""
    answers = signals.visits_on_days_asked.send(
        sender=Technician, technician=technician, start_date=start_date, end_date=end_date
    )
    return sum(answer for _receiver, answer in answers)


def missing_profile_items(technician: Technician) -> list[str]:
    """What a new technician still has to fill in before the office can verify them."""
    missing = []
    if not technician.certifications:
        missing.append(_("your certifications"))
    if not technician.service_areas.exists():
        missing.append(_("the areas you work in"))
    if not technician.availability_schedule.exists():
        missing.append(_("your weekly schedule"))
    if not technician.profile_picture:
        missing.append(_("a photo"))
    return missing


def name_for_patients(user: User | None, *, fallback: str = "") -> str | None:
    """How a patient's pages and data download name the person who acted on their data: staff by
    name and role only, never by their e-mail address (which is also their log-in).

    Administrators are "HomeCure office (administrator)": the patient deals with the office, and
    an administrator's name and log-in address are of use to nobody outside it (the office's own
    log names them). A technician is "Nadia Nurse (nurse)"; a patient (the patient themselves) by
    name. `fallback` (a name kept as text) stands in when the account is gone.
    """
    if user is None:
        return _staff_name_from_text(fallback) if fallback else None
    if user.role == UserRole.ADMIN or user.is_staff:
        return _("HomeCure office (administrator)")
    if user.role == UserRole.TECHNICIAN:
        try:
            role = user.technician.get_specialization_display().lower()
        except Technician.DoesNotExist:
            role = _("technician")
        return _("%(name)s (%(role)s)") % {"name": user.get_full_name() or _("HomeCure technician"), "role": role}
    return user.get_full_name() or user.email


def _staff_name_from_text(name: str) -> str:
    """A name kept as text from before names-only ("Nadia Nurse <nurse@example.com>"), without the address."""
    name = name.split("<", 1)[0].strip()
    return name if name and "@" not in name else _("HomeCure staff")
