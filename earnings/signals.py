"""Domain signals of the earnings app, sent by `earnings.services` after the change.

Sent inside the service's transaction: a receiver that writes rows commits or rolls back with
the change; one that leaves the database (e-mail) must use `transaction.on_commit`.
"""

from django.dispatch import Signal

#: An administrator recorded a payout that settles a set of a technician's earnings. Sent once per
#: payout with `sender=Payout` and the keyword arguments `payout` (its `amount` is signed: positive
#: when the platform paid the technician, negative when the technician paid the platform) and
#: `actor` (the administrator who recorded it).
payout_recorded = Signal()

#: An administrator put an earning on hold (`earning.hold_reason` says why). Sent with
#: `sender=TechnicianEarnings` and the keyword arguments `earning` (after the change) and `actor`.
earning_held = Signal()

#: An administrator released an earning from hold (`earning.release_reason` says why). Same
#: arguments as `earning_held`.
earning_released = Signal()
