"""Audit entries for sensitive domain events, written when the apps' signals say they happened.

Wired by `BackOfficeAdminConfig.ready()`.
"""

from django.utils.translation import gettext as _

from homecure.base import audit
from homecure.base.money import format_money

# --- sensitive events, from the domain signals ----------------------------------------------


def _is_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


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


def connect_event_receivers() -> None:
    from bookings import signals as booking_signals
    from earnings import signals as earning_signals

    connections = [
        (booking_signals.booking_assigned, booking_assigned),
        (booking_signals.booking_accepted, booking_confirmed),
        (booking_signals.booking_cancelled, booking_cancelled),
        (earning_signals.earnings_paid, earning_paid),
    ]
    for signal, handler in connections:
        signal.connect(handler, dispatch_uid=f"homecure.base.audit.{handler.__name__}")
