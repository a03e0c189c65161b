"""Domain signals of the earnings app, sent by `earnings.services` after the change.

Sent inside the payout's transaction: a receiver that writes rows commits or rolls back with
the payout; one that leaves the database (e-mail) must use `transaction.on_commit`.
"""

from django.dispatch import Signal

#: An administrator recorded a payout. Sent once per earning that became paid, with
#: `sender=TechnicianEarnings` and the keyword arguments `earning` (after the change) and
#: `actor` (the administrator who recorded it).
earnings_paid = Signal()
