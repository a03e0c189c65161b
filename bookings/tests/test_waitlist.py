"""The waitlist: who is told of a freed time and in which order, who gets it, and what the patient's
pages do (bookings.waitlist).

One nurse (`technician`, 08:00-18:00 every day) serves the area, so a cancelled visit frees a time
nobody else can take: whoever books it first gets it.
"""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from bookings import services, waitlist
from bookings.calendar import calendar_feed_renew
from bookings.models import Booking, BookingStatus, DayPart, WaitlistEntry, WaitlistOffer, WaitlistStatus
from bookings.tests.factories import BookingFactory
from homecure.tests.factories import SystemSettingsFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

OFFER_TITLE = "A time opened for your Nurse home visit"


def day(offset=3):
    return timezone.localdate() + timedelta(days=offset)


def at(offset, hour, minute=0):
    return datetime.combine(day(offset), time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def visit(technician, service, area):
    """A confirmed visit at 10:00 in three days, of a third patient, with the area's only nurse."""
    return BookingFactory(
        user=PatientFactory(area=area), technician=technician, service=service, service_area=area,
        start=at(3, 10), confirmed=True,
    )  # fmt: skip


def join(patient, service, area, *, first=3, last=None, part=DayPart.ANY, now=None):
    return waitlist.waitlist_join(
        patient=patient,
        service=service,
        area=area,
        address=patient.address or "2 Camden Road",
        first_day=day(first),
        last_day=day(last) if last is not None else None,
        day_part=part,
        now=now,
    )


def cancel(booking, admin_user):
    return services.booking_cancel(booking=booking, actor=admin_user, reason="Patient in hospital")


def offers_of(user):
    return WaitlistOffer.objects.filter(entry__patient=user)


# --- Who is told, in which order ----------------------------------------------------------------------------------


def test_a_cancellation_tells_the_first_waiting_patient(
    visit, patient, other_patient, service, area, admin_user, django_capture_on_commit_callbacks
):
    SystemSettingsFactory(key="waitlist_offers_per_time", value="1")
    asked = timezone.now() - timedelta(hours=2)
    join(patient, service, area, now=asked)
    join(other_patient, service, area, now=asked + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        cancel(visit, admin_user)

    (offer,) = WaitlistOffer.objects.all()
    assert offer.entry.patient == patient
    assert offer.start == visit.scheduled_start
    told = Notification.objects.get(user=patient, title=OFFER_TITLE)
    assert told.action_url == reverse("bookings:waitlist-offer", kwargs={"pk": offer.pk})
    assert not Notification.objects.filter(user=other_patient).exists()
    (email,) = [message for message in mail.outbox if message.to == [patient.email]]
    assert email.subject == OFFER_TITLE
    assert told.action_url in email.body


def test_every_patient_it_fits_is_told_in_order_of_asking(visit, service, area, admin_user):
    """Order of asking is `created_at`, then the entry's id: the notifications are made in that order."""
    asked = timezone.now() - timedelta(hours=3)
    late, early, middle = (PatientFactory(area=area, address="3 Camden Road") for _ in range(3))
    join(late, service, area, now=asked + timedelta(minutes=20))
    join(early, service, area, now=asked)
    join(middle, service, area, now=asked + timedelta(minutes=10))

    cancel(visit, admin_user)

    told = Notification.objects.filter(title=OFFER_TITLE).order_by("pk").values_list("user", flat=True)
    assert list(told) == [early.pk, middle.pk, late.pk]


def test_only_entries_whose_days_and_part_of_the_day_fit_are_told(visit, service, area, admin_user):
    fits = [
        join(PatientFactory(area=area), service, area, first=3, part=DayPart.MORNING),
        join(PatientFactory(area=area), service, area, first=1, last=5),
    ]
    join(PatientFactory(area=area), service, area, first=3, part=DayPart.AFTERNOON)
    join(PatientFactory(area=area), service, area, first=4, last=6)

    cancel(visit, admin_user)

    assert {offer.entry for offer in WaitlistOffer.objects.all()} == set(fits)


def test_expired_entries_are_never_told(visit, patient, other_patient, service, area, admin_user):
    """An entry expires at the end of its last day. One whose expiry has passed is not told, even of a
    time in its days; the live one asked later is."""
    expired = join(patient, service, area, now=timezone.now() - timedelta(hours=2))
    WaitlistEntry.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    join(other_patient, service, area, now=timezone.now() - timedelta(hours=1))

    cancel(visit, admin_user)

    assert not offers_of(patient).exists()
    assert not Notification.objects.filter(user=patient).exists()
    assert offers_of(other_patient).count() == 1


def test_an_entry_expires_at_the_end_of_its_last_day(patient, service, area):
    entry = join(patient, service, area, first=3, last=5)

    assert timezone.localtime(entry.expires_at) == datetime.combine(
        day(6), time(0, 0), tzinfo=timezone.get_current_timezone()
    )
    assert entry.is_live(timezone.now())
    assert not entry.is_live(entry.expires_at)


def test_removed_entries_and_the_patient_who_cancelled_are_not_told(visit, patient, service, area, admin_user):
    entry = join(patient, service, area)
    waitlist.waitlist_remove(entry=entry, actor=patient)
    join(visit.user, service, area)

    services.booking_cancel(booking=visit, actor=visit.user, reason="Feeling better", now=at(0, 9))

    assert not WaitlistOffer.objects.exists()


def test_a_visit_moved_to_another_time_frees_its_old_time(visit, patient, service, area, admin_user):
    join(patient, service, area)

    services.booking_reschedule(booking=visit, start=at(4, 14), actor=admin_user)

    (offer,) = offers_of(patient)
    assert offer.start == at(3, 10)


def test_a_time_too_close_to_book_is_not_offered(visit, patient, service, area, admin_user):
    """A freed time inside the minimum notice could not be booked: nobody is told of it."""
    join(patient, service, area)

    services.booking_cancel(booking=visit, actor=admin_user, reason="Moved away", now=at(3, 9))

    assert not WaitlistOffer.objects.exists()


# --- Booking from the offer ---------------------------------------------------------------------------------------


@pytest.fixture
def two_offers(visit, patient, other_patient, service, area, admin_user):
    join(patient, service, area, now=timezone.now() - timedelta(hours=2))
    join(other_patient, service, area, now=timezone.now() - timedelta(hours=1))
    cancel(visit, admin_user)
    return offers_of(patient).get(), offers_of(other_patient).get()


def test_two_patients_clicking_one_after_the_other_give_one_booking(two_offers, patient, other_patient, visit):
    first, second = two_offers

    booking = waitlist.waitlist_book(offer=first, actor=patient)
    with pytest.raises(services.SlotTaken):
        waitlist.waitlist_book(offer=second, actor=other_patient)

    assert booking.user == patient
    assert booking.scheduled_start == visit.scheduled_start
    assert booking.status == BookingStatus.PENDING
    assert Booking.objects.filter(scheduled_start=visit.scheduled_start).exclude(pk=visit.pk).count() == 1
    assert WaitlistEntry.objects.get(patient=patient).status == WaitlistStatus.BOOKED
    assert WaitlistEntry.objects.get(patient=other_patient).status == WaitlistStatus.WAITING


def test_the_offer_page_books_with_one_button_and_the_second_sees_just_taken(two_offers, patient, other_patient):
    mine, theirs = (reverse("bookings:waitlist-offer", kwargs={"pk": offer.pk}) for offer in two_offers)
    me, them = _client(patient), _client(other_patient)

    page = me.get(mine)
    assert "Book this time" in page.text
    assert not Booking.objects.filter(user=patient).exists()

    response = me.post(mine)
    booking = Booking.objects.get(user=patient)
    assert response.url == booking.get_absolute_url()

    page = them.get(theirs)
    assert "This time was just taken." in page.text
    assert "Book this time" not in page.text
    assert "Book 13:00" in page.text  # still free that day: the nurse is busy from 09:30 to 11:30 only
    them.post(theirs, {"start": at(3, 13).isoformat()})
    assert Booking.objects.get(user=other_patient).scheduled_start == at(3, 13)


def test_pressing_book_twice_makes_one_booking(two_offers, patient):
    offer, _ = two_offers
    client = _client(patient)
    url = reverse("bookings:waitlist-offer", kwargs={"pk": offer.pk})

    first = client.post(url)
    second = client.post(url)

    assert first.url == second.url
    assert Booking.objects.filter(user=patient).count() == 1


def test_another_day_cannot_be_booked_from_an_offer(two_offers, patient):
    offer, _ = two_offers

    response = _client(patient).post(
        reverse("bookings:waitlist-offer", kwargs={"pk": offer.pk}), {"start": at(5, 10).isoformat()}, follow=True
    )

    assert "Choose a time on the day offered." in response.text
    assert not Booking.objects.filter(user=patient).exists()


def test_another_patients_offer_is_not_found(two_offers, other_patient):
    offer, _ = two_offers
    client = _client(other_patient)
    url = reverse("bookings:waitlist-offer", kwargs={"pk": offer.pk})

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Booking.objects.filter(user=other_patient).exists()


# --- The patient's pages ------------------------------------------------------------------------------------------


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_day_without_free_times_offers_the_waitlist(patient, service, area, technician):
    technician.availability_schedule.all().delete()
    client = _client(patient)

    response = client.post(
        reverse("bookings:new", kwargs={"slug": service.slug}),
        {"action": "times", "area": area.pk, "address": "1 Camden Road", "date": day(3).isoformat()},
    )

    assert "There are no free times on this day" in response.text
    link = f"{reverse('bookings:waitlist-join')}?service={service.slug}&amp;area={area.pk}&amp;day={day(3)}"
    assert link in response.text
    form = client.get(link.replace("&amp;", "&"))
    assert form.context["form"].initial["first_day"] == day(3)
    assert form.context["form"].initial["service"] == service.pk


def test_a_patient_joins_sees_and_removes_an_entry(patient, service, area):
    client = _client(patient)

    response = client.post(
        reverse("bookings:waitlist-join"),
        {
            "service": service.pk,
            "area": area.pk,
            "address": "1 Camden Road",
            "first_day": day(3).isoformat(),
            "last_day": day(5).isoformat(),
            "day_part": DayPart.MORNING,
        },
    )
    assert response.url == reverse("bookings:waitlist")
    entry = WaitlistEntry.objects.get(patient=patient)
    assert (entry.first_day, entry.last_day, entry.day_part) == (day(3), day(5), DayPart.MORNING)

    page = client.get(reverse("bookings:waitlist"))
    assert "Nurse home visit" in page.text
    assert "Waiting" in page.text

    client.post(reverse("bookings:waitlist-remove", kwargs={"pk": entry.pk}))
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.REMOVED
    assert "Removed" in client.get(reverse("bookings:waitlist")).text


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (-1, None, "The first day cannot be in the past."),
        (4, 3, "The last day cannot be before the first day."),
        (1, 20, "Choose at most 14 days."),
        (3, 40, "Visits can be booked up to"),
    ],
)
def test_days_that_cannot_be_waited_for_are_refused_with_a_message(patient, service, area, first, last, message):
    data = {"service": service.pk, "area": area.pk, "address": "1 Camden Road", "first_day": day(first).isoformat()}
    if last is not None:
        data["last_day"] = day(last).isoformat()
    data["day_part"] = DayPart.ANY

    response = _client(patient).post(reverse("bookings:waitlist-join"), data)

    assert response.status_code == 200
    assert message in response.text
    assert not WaitlistEntry.objects.exists()


def test_a_patient_cannot_remove_another_patients_entry(patient, other_patient, service, area):
    entry = join(patient, service, area)

    response = _client(other_patient).post(reverse("bookings:waitlist-remove", kwargs={"pk": entry.pk}))

    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING


def test_joining_twice_for_the_same_thing_keeps_one_entry(patient, service, area):
    assert join(patient, service, area) == join(patient, service, area)
    assert WaitlistEntry.objects.count() == 1


def test_the_office_reads_the_waitlist_and_calendar_feeds_in_the_back_office(
    two_offers, patient, technician, admin_client
):
    calendar_feed_renew(technician=technician)
    entry = WaitlistEntry.objects.get(patient=patient)

    listing = admin_client.get(reverse("admin:bookings_waitlistentry_changelist"))
    detail = admin_client.get(reverse("admin:bookings_waitlistentry_change", args=[entry.pk]))
    feeds = admin_client.get(reverse("admin:bookings_calendarfeed_changelist"))

    assert listing.status_code == detail.status_code == feeds.status_code == 200
    assert "Paula Patient" in listing.text
    assert "Nurse home visit" in detail.text
    assert admin_client.get(reverse("admin:bookings_waitlistentry_add")).status_code == 403
    assert "Nadia Nurse" in feeds.text


def test_an_offer_whose_time_has_passed_says_so(two_offers, patient):
    offer, _ = two_offers
    WaitlistOffer.objects.filter(pk=offer.pk).update(start=timezone.now() - timedelta(hours=1))

    page = _client(patient).get(reverse("bookings:waitlist-offer", kwargs={"pk": offer.pk}))

    assert "This time has passed." in page.text
    assert "Book this time" not in page.text
