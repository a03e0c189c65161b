"""Domain signals of the technicians app, sent by `technicians.services` after the change.

Each is sent with `sender=Technician` and the keyword arguments `technician` and `actor`
(the person who made the change: the administrator, or the technician who signed up).
"""

from django.dispatch import Signal

#: An administrator verified the technician: from now on they can be offered work.
technician_verified = Signal()

#: An administrator suspended the technician: they get no new work and cannot act on jobs.
technician_suspended = Signal()

#: Someone who signed up on the "Work with us" page confirmed their e-mail address (sent once per
#: technician, in the confirmation's transaction); their profile waits for an administrator to verify it.
technician_registered = Signal()
