"""Audit entries for sensitive domain events, written when the apps' signals say they happened;
and the audit log's part of a user's data download.

Wired by `BackOfficeAdminConfig.ready()`.
"""

from collections.abc import Iterator
from functools import partial

from django.utils.translation import gettext as _

from accounts.models import User
from accounts.personal_data import CHUNK_SIZE, PersonalData, Row, Section, fields_of
from homecure.base import audit
from homecure.base.money import format_money
from homecure.models import AdminLog

# --- sensitive events, from the domain signals ----------------------------------------------


def _is_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


def technician_verified(sender, technician, actor, **kwargs):
    audit.audit_event(
        actor=actor,
        action="technician_verified",
        entity=technician,
        description=_("Verified technician %(technician)s (licence %(license)s).")
        % {"technician": technician, "license": technician.license_number},
        previous_values={"is_verified": False},
        new_values={"is_verified": True},
    )


def technician_suspended(sender, technician, actor, **kwargs):
    audit.audit_event(
        actor=actor,
        action="technician_suspended",
        entity=technician,
        description=_("Suspended technician %(technician)s.") % {"technician": technician},
        previous_values={"is_active": True},
        new_values={"is_active": False},
    )


def booking_assigned(sender, booking, actor, previous_technician=None, **kwargs):
    if not _is_staff(actor):
        return
    context = {"booking": booking.reference, "technician": booking.technician}
    if previous_technician is None:
        description = _("Assigned booking %(booking)s to %(technician)s.") % context
    else:
        description = _("Reassigned booking %(booking)s from %(previous)s to %(technician)s.") % {
            **context,
            "previous": previous_technician,
        }
    audit.audit_event(
        actor=actor,
        action="booking_assigned",
        entity=booking,
        description=description,
        previous_values={"technician": previous_technician.pk if previous_technician else None},
        new_values={"technician": booking.technician_id},
    )


def booking_confirmed(sender, booking, actor, **kwargs):
    # The technician's own acceptance is the normal flow; an administrator confirming is not.
    if not _is_staff(actor):
        return
    audit.audit_event(
        actor=actor,
        action="booking_confirmed",
        entity=booking,
        description=_("Confirmed booking %(booking)s for %(technician)s.")
        % {"booking": booking.reference, "technician": booking.technician},
    )


def booking_cancelled(sender, booking, actor, reason="", refunded=False, **kwargs):
    if not _is_staff(actor):
        return
    if refunded:
        text = _("Cancelled booking %(booking)s and refunded the online payment. Reason: %(reason)s")
    else:
        text = _("Cancelled booking %(booking)s. Reason: %(reason)s")
    audit.audit_event(
        actor=actor,
        action="booking_cancelled",
        entity=booking,
        description=text % {"booking": booking.reference, "reason": reason},
    )


def earning_paid(sender, earning, actor, **kwargs):
    audit.audit_event(
        actor=actor,
        action="earning_paid",
        entity=earning,
        description=_(
            "Paid %(amount)s to %(technician)s for visit %(booking)s by %(method)s, transaction %(transaction)s."
        )
        % {
            "amount": format_money(earning.net_earnings),
            "technician": earning.technician,
            "booking": earning.booking.reference,
            "method": earning.get_payment_method_display(),
            "transaction": earning.transaction_id,
        },
    )


# --- the user's data download ---------------------------------------------------------------


def _activity_log(user: User) -> Iterator[Row]:
    names = ("id", "action", "entity_type", "entity_id", "description", "ip_address", "created_at")
    entries = AdminLog.objects.filter(admin_user=user).order_by("created_at", "pk")
    return (fields_of(entry, names) for entry in entries.iterator(chunk_size=CHUNK_SIZE))


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    """What the user did, from the audit log; Django's own admin log is left out."""
    return PersonalData(
        sections=(
            Section(
                key="activity_log",
                position=70,
                read=partial(_activity_log, user),
                models={"homecure.adminlog": "activity_log"},
            ),
        ),
        left_out={
            "admin.logentry": "Django's own back-office change list of staff users; patients cannot use the back "
            "office. Back-office changes to the patient's data are in the audit log.",
        },
    )


def connect_event_receivers() -> None:
    from accounts import signals as account_signals
    from bookings import signals as booking_signals
    from earnings import signals as earning_signals
    from technicians import signals as technician_signals

    connections = [
        (technician_signals.technician_verified, technician_verified),
        (technician_signals.technician_suspended, technician_suspended),
        (booking_signals.booking_assigned, booking_assigned),
        (booking_signals.booking_accepted, booking_confirmed),
        (booking_signals.booking_cancelled, booking_cancelled),
        (earning_signals.earnings_paid, earning_paid),
    ]
    for signal, handler in connections:
        signal.connect(handler, dispatch_uid=f"homecure.base.audit.{handler.__name__}")
    account_signals.personal_data_requested.connect(
        personal_data_requested, dispatch_uid="homecure.personal_data_requested"
    )
