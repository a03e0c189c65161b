"""Domain signals of the technicians app, and the questions it asks the apps built on it.

The domain signals are sent by `technicians.services` after the change, with `sender=Technician`
and the keyword arguments `technician` and `actor` (the person who made the change: the
administrator, or the technician who signed up).

The questions are sent by `technicians.selectors` with `sender=Technician` and the keyword
argument `technician`; each receiver returns its app's answer and writes nothing. The technicians
app keeps no visits, so the apps that do (bookings) answer for them.
"""

from django.dispatch import Signal

#: An administrator verified the technician: from now on they can be offered work.
technician_verified = Signal()

#: An administrator suspended the technician: they get no new work and cannot act on jobs.
technician_suspended = Signal()

#: Someone who signed up on the "Work with us" page confirmed their e-mail address (sent once per
#: technician, in the confirmation's transaction); their profile waits for an administrator to verify it.
technician_registered = Signal()

#: The technician's weekly schedule was replaced (`technician_set_schedule`, in its transaction): the
#: windows are written in bulk, so no `post_save` of a window tells the apps that offer times.
schedule_changed = Signal()
#: Question: may `user` (a patient) see the technician's photo? A receiver returns True when the
#: patient has a visit with the technician. Extra argument: `user`.
photo_viewer_asked = Signal()

#: Question: how many accepted visits does the technician have from `start_date` to `end_date`, both
#: included (the time-off page warns that they stay booked)? A receiver returns a count.
visits_on_days_asked = Signal()
