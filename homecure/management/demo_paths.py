"""The statuses a demo booking went through on its way to the one it has now.

`seed_demo` and `seed_scale` write their bookings at their final status, with times in the past
that the booking services would not accept, and both take the status history from here: a
cancelled visit, for one, tells the same story in either data set (asked for, accepted, cancelled).
"""

from itertools import pairwise

from bookings.models import BookingStatus

STATUS_PATHS = {
    BookingStatus.PENDING: [BookingStatus.PENDING],
    BookingStatus.CONFIRMED: [BookingStatus.PENDING, BookingStatus.CONFIRMED],
    BookingStatus.IN_PROGRESS: [BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS],
    BookingStatus.COMPLETED: [
        BookingStatus.PENDING,
        BookingStatus.CONFIRMED,
        BookingStatus.IN_PROGRESS,
        BookingStatus.COMPLETED,
    ],
    BookingStatus.CANCELLED: [BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CANCELLED],
}


def status_steps(status: str) -> list[tuple[str, str]]:
    """`(from_status, to_status)` of each history row of a booking now at `status`, oldest first."""
    path = STATUS_PATHS[status]
    return list(pairwise(["", *path]))


def went_through(status: str, step: str) -> bool:
    """Whether a booking now at `status` passed through `step` (was accepted, was checked in...)."""
    return step in STATUS_PATHS[status]
