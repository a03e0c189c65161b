"""Audit entries for sensitive domain events, written when the apps' signals say they happened.

Wired by `BackOfficeAdminConfig.ready()`.
"""

from django.utils.translation import gettext as _

from homecure.base import audit
from homecure.base.money import format_money

# --- sensitive events, from the domain signals ----------------------------------------------


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
    from earnings import signals as earning_signals

    connections = [
        (earning_signals.earnings_paid, earning_paid),
    ]
    for signal, handler in connections:
        signal.connect(handler, dispatch_uid=f"homecure.base.audit.{handler.__name__}")
