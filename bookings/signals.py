"""Domain signals of the bookings app.

Each is sent by `bookings.services` after the state change and its status-history row are
written, inside the same transaction: a receiver that writes rows (earnings, notifications)
commits or rolls back with the change. Receivers that leave the database (e-mail) must use
`transaction.on_commit`.

Every signal is sent with `sender=Booking` and these keyword arguments:
    booking   the Booking after the change
    actor     the User who caused it (None for the system)
"""

from django.dispatch import Signal

from bookings.models import Booking

#: A patient booked a visit; it waits as pending for the assigned technician (or an admin).
booking_requested = Signal()

#: The assigned technician accepted, or an admin confirmed; the booking has its QR code.
booking_accepted = Signal()

#: A technician declined. Extra arguments: `technician` (who declined), `reason`, `unassigned` (True
#: when no eligible technician was left and the booking waits for an admin), and `previous_status`
#: (the status before the decline: when it was CONFIRMED, the patient had been told so and holds a
#: QR code and check-in code that no longer work).
booking_declined = Signal()

#: An admin assigned or reassigned a technician. Extra arguments: `previous_technician`, and
#: `previous_status` (as for `booking_declined`: a CONFIRMED visit lost its QR code and check-in code).
booking_assigned = Signal()

#: The technician checked in at the door (QR scan or typed code).
booking_checked_in = Signal()

#: The visit was completed. The earnings app creates the technician's earning in the same transaction.
booking_completed = Signal()

#: The booking was cancelled. Extra arguments: `reason`, `refunded` (money was returned, by the
#: refund rules of `bookings.payments.refund_due`; after a no-show, all but the no-show fee),
#: and `no_show` (True when the technician reported that the patient was not there). A booking the
#: clock cancels sends `booking_lapsed` instead.
booking_cancelled = Signal()

#: The visit was moved to another time (`booking.scheduled_start` is the new one). Extra arguments:
#: `previous_start`, `previous_status` and `previous_technician`. When `booking.technician` is still
#: `previous_technician` they keep the visit (a confirmed one stays confirmed, with a new QR code and
#: check-in code); otherwise it is offered to `booking.technician` as a new request (pending).
booking_rescheduled = Signal()

#: An online payment succeeded.
booking_paid = Signal()

#: The office refunded some or all of a booking's money and the provider confirmed it (a refund
#: the provider refused sends nothing). Extra argument: `payment` (the confirmed refund row, with
#: its amount and credit-note number). Refunds made by a cancellation are told with it instead
#: (`refunded` of `booking_cancelled` and `booking_lapsed`).
booking_refunded = Signal()

#: The patient rated the visit.
booking_reviewed = Signal()


# --- Sent by the scheduled jobs (`run_scheduled`), with `actor=None` ---------------------------------------------

#: The assigned technician let their offer pass unanswered (`booking_expire_offer`); they are kept
#: as having declined and are not asked again. Extra arguments: `technician` (whose offer expired)
#: and `escalated` (True when nobody was asked next and the visit waits for the office, which
#: `booking_escalated` tells; False when `booking.technician` is the next technician asked).
booking_offer_expired = Signal()

#: A pending visit waits for the office, unassigned, because an offer expired and either nobody
#: eligible is left or the visit is too close to its start to ask another technician. Extra
#: argument: `too_close` (True for the latter).
booking_escalated = Signal()

#: Nobody checked in to a confirmed visit within the check-in window after its start
#: (`booking_lapse`). The booking keeps its status; `booking.not_attended_at` says when it was
#: flagged, and this is sent once per visit.
booking_not_attended = Signal()

#: The clock cancelled the booking (`booking_lapse`): a pending one whose start passed with no
#: technician's acceptance, or a confirmed one still not checked in a day after its start (the
#: technician's missed visit). Extra arguments: `reason`, `refunded` (an online payment was
#: returned), `previous_status`, and `technician` (who missed the visit, or None for a pending one).
booking_lapsed = Signal()


# --- The technician portal's panels -----------------------------------------------------------------------------
# Sent by `bookings.portal_views` while rendering a page, with `sender=Booking`, so that the apps
# built on bookings can show their part of it without bookings knowing them. Each receiver returns
# a fragment of rendered HTML (a SafeString, e.g. from `render_to_string`), or "" to show nothing;
# the page shows the fragments in the order the receivers answered. Receivers only read.
# Arguments: `request`, `technician` (the technician viewing the page) and `now`.


def rendered_panels(signal, request, **kwargs) -> list:
    """The HTML the receivers of a page's panels `signal` return, in the order they answered; a
    receiver with nothing to show returns an empty string."""
    return [html for _receiver, html in signal.send(sender=Booking, request=request, **kwargs) if html]


#: The job page's side column, above the timeline. Extra argument: `booking` (the visit shown).
job_page_panels = Signal()

#: The portal dashboard, below the visits and above the links to the schedule and the profile.
dashboard_panels = Signal()

#: What the dashboard's panels show, for the key the page is kept under (`homecure.base.page_cache`).
#: Sent with `sender=Booking`, `now` and `user` (the technician's account: the dashboard is kept
#: before its profile is read; `technicians.selectors.technician_id_sql` names the profile's id from
#: it); each receiver returns a list of `Source` covering the data its panel shows.
dashboard_sources = Signal()


# --- The patient's booking page -----------------------------------------------------------------------------------
# Sent by `bookings.views.booking_detail` while rendering the page, with `sender=Booking`, as the portal's
# panels above: each receiver returns rendered HTML or "" and only reads. Arguments: `request`,
# `booking` (the patient's own visit shown) and `now`.

#: The booking page's side column, below the technician (e.g. the health record written at the visit).
booking_page_panels = Signal()

#: What the booking page's panels show, for the key the page is kept under (`homecure.base.page_cache`).
#: Sent with `sender=Booking`, `user` (the patient) and `booking`: SQL selecting the id of the visit
#: shown (one row or none), with its parameters `params`, to use as `booking_id = (<booking>)`. Each
#: receiver returns a list of `Source` covering the data its panel shows.
booking_page_sources = Signal()
# --- The waitlist (`bookings.waitlist`) -------------------------------------------------------------------------

#: A time that a cancellation, a move to another time or a lapse freed was offered to waiting
#: patients. Sent with `sender=Booking`, `booking` (the booking whose time was freed), `actor=None`
#: and `offers`: the new `WaitlistOffer`s, in order of asking.
waitlist_time_offered = Signal()
