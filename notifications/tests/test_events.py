"""Every event and who hears about it (DESIGN 7): in the inbox, and by e-mail once the change commits.

Each event is caused through the service that owns it (bookings, technicians, earnings, records),
so the table also proves that every service sends its signal and that a receiver listens.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from bookings import services as booking_services
from bookings.models import Booking, BookingStatus, PaymentMethod, PaymentStatus
from earnings import services as earnings_services
from earnings.models import PayoutMethod
from earnings.tests.factories import TechnicianEarningsFactory
from notifications import services
from notifications.models import Notification, NotificationType
from notifications.tests.conftest import visit_start
from notifications.tests.factories import EmailPreferenceFactory
from records import services as records_services
from technicians import services as technician_services

pytestmark = pytest.mark.django_db

BOOKING, PAYMENT, RECORD, REMINDER, ACCOUNT, ANNOUNCEMENT = (
    NotificationType.BOOKING,
    NotificationType.PAYMENT,
    NotificationType.RECORD,
    NotificationType.REMINDER,
    NotificationType.ACCOUNT,
    NotificationType.ANNOUNCEMENT,
)


def patient_page(booking):
    return reverse("bookings:detail", kwargs={"reference": booking.reference})


def job_page(booking):
    return reverse("portal:job", kwargs={"reference": booking.reference})


def admin_page(booking):
    return reverse("admin:bookings_booking_change", args=[booking.pk])


class World:
    """The people and things one event involves; `subject` is what the event was about."""

    def __init__(self, request):
        for name in ("patient", "technician", "other_technician", "admin_user", "second_admin", "make_booking"):
            setattr(self, name, request.getfixturevalue(name))
        request.getfixturevalue("not_quite_admins")
        self.subject = None


# --- What each event does -----------------------------------------------------------------------------------------


def requested(w):
    # `other_technician` is away that day, so the visit is offered to `technician`.
    w.other_technician.is_available = False
    w.other_technician.save()
    w.subject = booking_services.booking_create(
        patient=w.patient,
        service=w.make_booking().service,
        area=w.patient.area,
        address="1 Camden Road",
        start=visit_start(days=4),
    )


def accepted(w):
    w.subject = w.make_booking()
    booking_services.booking_accept(booking=w.subject, actor=w.technician.user)


def confirmed_by_admin(w):
    w.subject = w.make_booking()
    booking_services.booking_accept(booking=w.subject, actor=w.admin_user)


def declined_and_offered_on(w):
    w.subject = w.make_booking()
    booking_services.booking_decline(booking=w.subject, actor=w.technician.user, reason="Car broke down")


def declined_with_nobody_left(w):
    w.other_technician.is_available = False
    w.other_technician.save()
    w.subject = w.make_booking()
    booking_services.booking_decline(booking=w.subject, actor=w.technician.user, reason="Car broke down")


def confirmed_then_declined(w):
    w.subject = w.make_booking(confirmed=True)
    booking_services.booking_decline(booking=w.subject, actor=w.technician.user, reason="Car broke down")


def confirmed_then_declined_with_nobody_left(w):
    w.other_technician.is_available = False
    w.other_technician.save()
    confirmed_then_declined(w)


def reassigned(w):
    w.subject = w.make_booking(confirmed=True)
    booking_services.booking_assign(booking=w.subject, technician=w.other_technician, actor=w.admin_user)


def reassigned_while_pending(w):
    w.subject = w.make_booking()
    booking_services.booking_assign(booking=w.subject, technician=w.other_technician, actor=w.admin_user)


def checked_in(w):
    w.subject = w.make_booking(confirmed=True, start=timezone.now() + timedelta(minutes=10))
    booking_services.booking_check_in(booking=w.subject, actor=w.technician.user)


def completed(w):
    w.subject = w.make_booking(in_progress=True, start=timezone.now() - timedelta(minutes=30))
    booking_services.booking_complete(booking=w.subject, actor=w.technician.user)


def cancelled_by_patient(w):
    w.subject = w.make_booking(confirmed=True)
    booking_services.booking_cancel(booking=w.subject, actor=w.patient, reason="I feel better")


def cancelled_by_admin(w):
    w.subject = w.make_booking(confirmed=True)
    booking_services.booking_cancel(booking=w.subject, actor=w.admin_user, reason="Technician unwell")


def rescheduled_by_the_patient(w):
    w.subject = w.make_booking(confirmed=True)
    booking_services.booking_reschedule(booking=w.subject, start=visit_start(hour=14), actor=w.patient)


def rescheduled_to_a_time_only_another_technician_is_free(w):
    w.subject = w.make_booking(confirmed=True)
    w.make_booking(start=visit_start(hour=14))  # `technician` is busy then
    booking_services.booking_reschedule(booking=w.subject, start=visit_start(hour=14), actor=w.patient)


def rescheduled_by_an_admin(w):
    w.subject = w.make_booking()
    booking_services.booking_reschedule(booking=w.subject, start=visit_start(hour=14), actor=w.admin_user)


def paid_online(w):
    w.subject = w.make_booking(confirmed=True, payment_method=PaymentMethod.ONLINE)
    booking_services.booking_pay_online(booking=w.subject, actor=w.patient, card_number="4242 4242 4242 4242")


def reviewed(w):
    w.subject = w.make_booking(completed=True, start=timezone.now() - timedelta(days=1))
    booking_services.booking_review(booking=w.subject, actor=w.patient, rating=5, review="Lovely")


def no_show(w):
    w.subject = w.make_booking(confirmed=True, start=timezone.now() - timedelta(minutes=15))
    booking_services.booking_report_no_show(booking=w.subject, actor=w.technician.user)


def registered(w):
    # The office hears of a new technician once the e-mailed link has confirmed their address.
    w.subject = technician_services.technician_sign_up(
        email="new.nurse@example.com",
        password="A-long-new-passw0rd",
        first_name="Nell",
        last_name="New",
        phone="+44 20 7946 0999",
        specialization="nurse",
        license_number="NMC-NEW-1",
    )
    account_services.user_confirm_email(user=w.subject.user)


def verified(w):
    w.technician.is_verified = False
    w.technician.save()
    w.subject = technician_services.technician_verify(technician=w.technician, actor=w.admin_user)


def suspended(w):
    w.subject = technician_services.technician_set_active(technician=w.technician, actor=w.admin_user, active=False)


def paid_out(w):
    booking = w.make_booking(completed=True, start=timezone.now() - timedelta(days=2))
    earning = TechnicianEarningsFactory(technician=w.technician, booking=booking)
    w.subject = earnings_services.payout_record(
        technician=w.technician,
        earnings=[earning],
        actor=w.admin_user,
        method=PayoutMethod.BANK_TRANSFER,
        transaction_id="TX-1",
    )


def held(w):
    booking = w.make_booking(completed=True, start=timezone.now() - timedelta(days=2))
    earning = TechnicianEarningsFactory(technician=w.technician, booking=booking)
    w.subject = earnings_services.earning_put_on_hold(earning=earning, actor=w.admin_user, reason="Visit disputed.")


def released(w):
    booking = w.make_booking(completed=True, start=timezone.now() - timedelta(days=2))
    earning = TechnicianEarningsFactory(technician=w.technician, booking=booking, payment_status="on_hold")
    w.subject = earnings_services.earning_release(earning=earning, actor=w.admin_user, reason="Settled.")


RECORD_FIELDS = {"record_type": "checkup", "record_date": date(2026, 1, 10), "diagnosis": "Mild dehydration."}


def record_added(w):
    booking = w.make_booking(in_progress=True, start=timezone.now() - timedelta(minutes=30))
    w.subject = records_services.record_create(
        actor=w.technician.user, booking=booking, vitals={"heart_rate": 72}, **RECORD_FIELDS
    )


def record_with_flagged_vitals(w):
    booking = w.make_booking(in_progress=True, start=timezone.now() - timedelta(minutes=30))
    w.subject = records_services.record_create(
        actor=w.technician.user, booking=booking, vitals={"heart_rate": 150}, **RECORD_FIELDS
    )


def reminded(w):
    w.subject = w.make_booking(confirmed=True, start=timezone.now() + timedelta(hours=20))
    services.reminders_send_due()


def announced(w):
    services.notification_announce(
        audience=services.Audience.TECHNICIANS, title="New portal", message="Try it.", actor=w.admin_user
    )


# --- Who should hear about it: (person, kind, link) --------------------------------------------------------------

EVENTS = {
    "booking requested": (
        requested,
        lambda w, b: [(w.patient, BOOKING, patient_page(b)), (w.technician.user, BOOKING, job_page(b))],
    ),
    "booking accepted by the technician": (accepted, lambda w, b: [(w.patient, BOOKING, patient_page(b))]),
    "booking confirmed by an admin": (
        confirmed_by_admin,
        lambda w, b: [(w.patient, BOOKING, patient_page(b)), (w.technician.user, BOOKING, job_page(b))],
    ),
    "booking declined, offered to the next technician": (
        declined_and_offered_on,
        lambda w, b: [(w.other_technician.user, BOOKING, job_page(b))],
    ),
    "booking declined, nobody left": (
        declined_with_nobody_left,
        lambda w, b: [(w.admin_user, BOOKING, admin_page(b)), (w.second_admin, BOOKING, admin_page(b))],
    ),
    "confirmed booking declined, offered to the next technician": (
        confirmed_then_declined,
        lambda w, b: [(w.other_technician.user, BOOKING, job_page(b)), (w.patient, BOOKING, patient_page(b))],
    ),
    "confirmed booking declined, nobody left": (
        confirmed_then_declined_with_nobody_left,
        lambda w, b: [
            (w.admin_user, BOOKING, admin_page(b)),
            (w.second_admin, BOOKING, admin_page(b)),
            (w.patient, BOOKING, patient_page(b)),
        ],
    ),
    "confirmed booking reassigned by an admin": (
        reassigned,
        lambda w, b: [
            (w.other_technician.user, BOOKING, job_page(b)),
            (w.technician.user, BOOKING, reverse("portal:dashboard")),
            (w.patient, BOOKING, patient_page(b)),
        ],
    ),
    "pending booking reassigned by an admin": (
        reassigned_while_pending,
        lambda w, b: [
            (w.other_technician.user, BOOKING, job_page(b)),
            (w.technician.user, BOOKING, reverse("portal:dashboard")),
        ],
    ),
    "technician checked in": (checked_in, lambda w, b: [(w.patient, BOOKING, patient_page(b))]),
    "visit completed": (completed, lambda w, b: [(w.patient, BOOKING, patient_page(b))]),
    "cancelled by the patient": (cancelled_by_patient, lambda w, b: [(w.technician.user, BOOKING, job_page(b))]),
    "cancelled by an admin": (
        cancelled_by_admin,
        lambda w, b: [(w.patient, BOOKING, patient_page(b)), (w.technician.user, BOOKING, job_page(b))],
    ),
    "rescheduled by the patient, the technician kept": (
        rescheduled_by_the_patient,
        lambda w, b: [(w.patient, BOOKING, patient_page(b)), (w.technician.user, BOOKING, job_page(b))],
    ),
    "rescheduled by the patient to a time only another technician is free": (
        rescheduled_to_a_time_only_another_technician_is_free,
        lambda w, b: [
            (w.patient, BOOKING, patient_page(b)),
            (w.other_technician.user, BOOKING, job_page(b)),
            (w.technician.user, BOOKING, reverse("portal:dashboard")),
        ],
    ),
    "pending visit rescheduled by an admin": (
        rescheduled_by_an_admin,
        lambda w, b: [(w.patient, BOOKING, patient_page(b)), (w.technician.user, BOOKING, job_page(b))],
    ),
    "paid online": (paid_online, lambda w, b: [(w.patient, PAYMENT, patient_page(b))]),
    "visit rated": (reviewed, lambda w, b: [(w.technician.user, BOOKING, job_page(b))]),
    "no-show reported by the technician": (
        no_show,
        lambda w, b: [
            (w.patient, BOOKING, patient_page(b)),
            (w.admin_user, BOOKING, admin_page(b)),
            (w.second_admin, BOOKING, admin_page(b)),
        ],
    ),
    "technician signed up": (
        registered,
        lambda w, t: [
            (admin, ACCOUNT, reverse("admin:technicians_technician_change", args=[t.pk]))
            for admin in (w.admin_user, w.second_admin)
        ],
    ),
    "technician verified": (verified, lambda w, t: [(w.technician.user, ACCOUNT, reverse("portal:dashboard"))]),
    "technician suspended": (suspended, lambda w, t: [(w.technician.user, ACCOUNT, reverse("contact"))]),
    "payout recorded": (paid_out, lambda w, p: [(w.technician.user, PAYMENT, reverse("earnings:list"))]),
    "earning put on hold": (held, lambda w, e: [(w.technician.user, PAYMENT, reverse("earnings:list"))]),
    "earning released from hold": (released, lambda w, e: [(w.technician.user, PAYMENT, reverse("earnings:list"))]),
    "health record added": (
        record_added,
        lambda w, r: [(w.patient, RECORD, reverse("records:detail", kwargs={"pk": r.pk}))],
    ),
    "health record added with a flagged vital": (
        record_with_flagged_vitals,
        lambda w, r: [
            (w.patient, RECORD, reverse("records:detail", kwargs={"pk": r.pk})),
            *(
                (admin, RECORD, reverse("admin:records_healthrecord_change", args=[r.pk]))
                for admin in (w.admin_user, w.second_admin)
            ),
        ],
    ),
    "visit reminder": (
        reminded,
        lambda w, b: [(w.patient, REMINDER, patient_page(b)), (w.technician.user, REMINDER, job_page(b))],
    ),
    "announcement to technicians": (
        announced,
        lambda w, _: [(w.technician.user, ANNOUNCEMENT, ""), (w.other_technician.user, ANNOUNCEMENT, "")],
    ),
}


@pytest.mark.parametrize("event", EVENTS)
def test_who_hears_about_each_event_in_the_inbox_and_by_email(
    request, event, django_capture_on_commit_callbacks, mailoutbox
):
    world = World(request)
    do, expected_for = EVENTS[event]

    with django_capture_on_commit_callbacks(execute=True):
        do(world)

    expected = expected_for(world, world.subject)
    got = {(n.user, n.notification_type, n.action_url) for n in Notification.objects.select_related("user")}
    assert got == set(expected)
    assert Notification.objects.count() == len(expected)
    assert sorted(address for message in mailoutbox for address in message.to) == sorted(
        person.email for person, _, _ in expected
    )


def test_the_technician_who_accepts_is_not_told_about_their_own_action(
    make_booking, technician, django_capture_on_commit_callbacks
):
    booking = make_booking()

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_accept(booking=booking, actor=technician.user)

    assert not Notification.objects.filter(user=technician.user).exists()


def test_repeating_a_transition_notifies_once(make_booking, technician, patient, django_capture_on_commit_callbacks):
    booking = make_booking()

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_accept(booking=booking, actor=technician.user)
        booking_services.booking_accept(booking=booking, actor=technician.user)

    assert Notification.objects.filter(user=patient).count() == 1


def test_a_confirmation_tells_the_patient_who_comes_and_when(make_booking, technician, patient):
    booking = make_booking(start=visit_start(days=5, hour=14))

    booking_services.booking_accept(booking=booking, actor=technician.user)

    notification = Notification.objects.get(user=patient)
    local = timezone.localtime(booking.scheduled_start)
    assert notification.title == "Your visit is confirmed"
    assert f"Nadia Nurse will visit you on {local:%A} {local.day} {local:%B} at 14:00" in notification.message
    assert (notification.related_entity_type, notification.related_entity_id) == ("booking", booking.reference)


@pytest.mark.parametrize("nobody_left", [False, True])
def test_a_patient_whose_confirmed_technician_declines_learns_their_codes_no_longer_work(
    make_booking, technician, other_technician, patient, nobody_left, django_capture_on_commit_callbacks, mailoutbox
):
    if nobody_left:
        other_technician.is_available = False
        other_technician.save()
    booking = make_booking(confirmed=True)

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_decline(booking=booking, actor=technician.user, reason="Migraine, stuck in bed")

    notification = Notification.objects.get(user=patient)
    assert notification.title == "Your technician can no longer come"
    assert booking.reference in notification.message
    assert "QR code and check-in code you had for it no longer work" in notification.message
    assert "new confirmation" in notification.message
    taken_over = "Our office is finding another technician" if nobody_left else "Another technician has been asked"
    assert taken_over in notification.message
    assert "Migraine" not in notification.message
    [email] = [message for message in mailoutbox if message.to == [patient.email]]
    assert email.subject == "Your technician can no longer come"
    assert "no longer work" in email.body
    assert "Migraine" not in email.body
    assert patient_page(booking) in email.body


def test_a_patient_whose_confirmed_visit_an_admin_reassigns_learns_their_codes_no_longer_work(
    make_booking, other_technician, patient, admin_user
):
    booking = make_booking(confirmed=True)

    booking_services.booking_assign(booking=booking, technician=other_technician, actor=admin_user)

    notification = Notification.objects.get(user=patient)
    assert notification.title == "Your visit was given to another technician"
    assert "no longer work" in notification.message
    assert booking.reference in notification.message


def test_a_patient_who_turned_off_booking_emails_hears_of_the_decline_in_the_inbox_only(
    make_booking, technician, other_technician, patient, django_capture_on_commit_callbacks, mailoutbox
):
    EmailPreferenceFactory(user=patient, notification_type=NotificationType.BOOKING, email_enabled=False)
    booking = make_booking(confirmed=True)

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down")

    assert Notification.objects.filter(user=patient, title="Your technician can no longer come").exists()
    assert patient.email not in [address for message in mailoutbox for address in message.to]
    assert [message.to for message in mailoutbox] == [[other_technician.user.email]]


def test_a_refund_is_mentioned_when_an_admin_cancels_a_paid_booking(make_booking, patient, admin_user):
    booking = make_booking(confirmed=True, payment_method=PaymentMethod.ONLINE, payment_status=PaymentStatus.PAID)

    booking_services.booking_cancel(booking=booking, actor=admin_user, reason="No technician")

    assert "Your online payment was refunded." in Notification.objects.get(user=patient).message


def test_the_payment_receipt_shows_the_amount(make_booking, patient):
    booking = make_booking(confirmed=True, payment_method=PaymentMethod.ONLINE, total_amount=Decimal("80.00"))

    booking_services.booking_pay_online(booking=booking, actor=patient, card_number="4242424242424242")

    assert "We received $80.00 for" in Notification.objects.get(user=patient).message


def test_nothing_typed_by_a_person_reaches_a_notification(make_booking, patient, admin_user, technician):
    booking = make_booking(confirmed=True)
    booking_services.booking_cancel(booking=booking, actor=admin_user, reason="Patient has a fever of 39.5")
    rated = make_booking(completed=True, start=timezone.now() - timedelta(days=1))
    booking_services.booking_review(booking=rated, actor=patient, rating=4, review="Dressing changed on my ulcer")

    messages = " ".join(Notification.objects.values_list("message", flat=True))
    assert "fever" not in messages
    assert "ulcer" not in messages
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).count() == 1


def test_the_patient_of_a_moved_visit_hears_the_new_time_and_that_the_old_codes_stopped_working(make_booking, patient):
    booking = make_booking(confirmed=True)

    booking_services.booking_reschedule(booking=booking, start=visit_start(hour=14), actor=patient)

    told = Notification.objects.get(user=patient)
    assert told.title == f"Your visit was moved to {services._when(visit_start(hour=14))}"
    assert f"instead of {services._when(visit_start())}" in told.message
    assert "new QR code and check-in code; the old ones no longer work" in told.message
