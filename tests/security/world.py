"""The people of the authorization matrix and the objects that fill the URLs' parameters.

Everything that belongs to `patient` (and to `technician`, who looks after them) carries a marker
string that appears nowhere else, so a test can tell from any response whether it shows the
owner's data. The strangers (the anonymous visitor, `other_patient`, `other_technician`,
`unverified_technician`) must never see a marker.
"""

from __future__ import annotations

import base64
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import qrcode
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from bookings.calendar import calendar_feed_renew
from bookings.models import Booking, WaitlistOffer
from bookings.tests.factories import BookingFactory, VisitSeriesFactory
from bookings.waitlist import waitlist_join
from earnings.tests.factories import TechnicianEarningsFactory
from notifications.tests.factories import NotificationFactory
from records.tests.factories import PDF_BYTES, HealthDocumentFactory, HealthRecordFactory
from technicians.tests.factories import TimeOffFactory

ROLES = ("anonymous", "patient", "other_patient", "technician", "other_technician", "unverified_technician", "admin")
STRANGERS = ("anonymous", "other_patient", "other_technician", "unverified_technician")

MARKERS = {
    "address": "Marker-Address-4417 Quince Mews",
    "phone": "+44 20 7946 4417",
    "booking_notes": "Marker-Notes-4417 key under the geranium",
    "technician_notes": "Marker-TechNotes-4417 wound healing well",
    "diagnosis": "Marker-Diagnosis-4417 lymphangitis",
    "treatment": "Marker-Treatment-4417 elevate the leg",
    "document": "Marker-Document-4417",
    "document_name": "marker-scan-4417.pdf",
    "notification": "Marker-Notification-4417",
    "time_off": "Marker-TimeOff-4417 family wedding",
    "earning": "Marker-Txn-4417",
    "review": "Marker-Review-4417 very kind nurse",
}


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 121)).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_base64(text: str) -> str:
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class World:
    users: dict
    technicians: dict
    service: object
    confirmed: Booking
    in_progress: Booking
    completed: Booking
    record: object
    document: object
    notification: object
    time_off: object
    series: object
    reset_uid: str
    reset_token: str
    sessions: dict = field(default_factory=dict)
    # The waitlist and the calendar feed (set by `build_world`).
    waitlist_entry: object = None
    waitlist_offer: object = None
    revoked_feed_token: str = ""

    @property
    def technician(self):
        return self.technicians["technician"]

    @property
    def receipt(self):
        """The receipt of the completed visit (paid at the door)."""
        return self.completed.payments.get()

    def resolve(self, path: str):
        """The value at a dotted path such as "confirmed.reference"."""
        value = self
        for part in path.split("."):
            value = getattr(value, part)
        return value

    def client(self, role: str, **kwargs) -> Client:
        """A fresh browser for `role`, logged in with that role's session (none for the anonymous visitor)."""
        client = Client(**kwargs)
        if self.sessions.get(role):
            client.cookies["sessionid"] = self.sessions[role]
        return client


def _at(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def build_world(
    *, patient, other_patient, technician, other_technician, unverified_technician, admin_user, service, area
):
    patient.address = MARKERS["address"]
    patient.phone = MARKERS["phone"]
    patient.save()
    technician.profile_picture.save("nurse.png", ContentFile(png_bytes()), save=True)

    common = {"user": patient, "technician": technician, "service": service, "service_area": area}
    confirmed = BookingFactory(
        **common,
        start=_at(3, 10),
        confirmed=True,
        service_address=MARKERS["address"],
        user_notes=MARKERS["booking_notes"],
        technician_notes=MARKERS["technician_notes"],
        checkin_code="K7PM2XQA",
    )
    confirmed.qr_code = qr_base64(confirmed.qr_code_data)
    series = VisitSeriesFactory(user=patient, service=service, service_area=area)
    confirmed.series = series
    confirmed.save(update_fields=["qr_code", "series"])
    in_progress = BookingFactory(
        **common,
        start=timezone.now() - timedelta(minutes=20),
        in_progress=True,
        service_address=MARKERS["address"],
    )
    completed = BookingFactory(
        **common,
        start=_at(-2, 10),
        completed=True,
        service_address=MARKERS["address"],
        user_review=MARKERS["review"],
        user_rating=5,
    )
    record = HealthRecordFactory(
        booking=completed,
        record_date=completed.scheduled_date,
        diagnosis=MARKERS["diagnosis"],
        treatment=MARKERS["treatment"],
    )
    document = HealthDocumentFactory(
        record=record,
        original_name=MARKERS["document_name"],
        file=ContentFile(PDF_BYTES + f"% {MARKERS['document']}\n".encode(), name=MARKERS["document_name"]),
    )
    TechnicianEarningsFactory(technician=technician, booking=completed, transaction_id=MARKERS["earning"])
    notification = NotificationFactory(
        user=patient, title=MARKERS["notification"], action_url=confirmed.get_absolute_url()
    )
    time_off = TimeOffFactory(
        technician=technician,
        start_date=timezone.localdate() + timedelta(days=40),
        end_date=timezone.localdate() + timedelta(days=41),
        reason=MARKERS["time_off"],
    )
    users = {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "technician": technician.user,
        "other_technician": other_technician.user,
        "unverified_technician": unverified_technician.user,
        "admin": admin_user,
    }
    world = World(
        users=users,
        technicians={
            "technician": technician,
            "other_technician": other_technician,
            "unverified_technician": unverified_technician,
        },
        service=service,
        confirmed=confirmed,
        in_progress=in_progress,
        completed=completed,
        record=record,
        document=document,
        notification=notification,
        time_off=time_off,
        series=series,
        reset_uid=urlsafe_base64_encode(force_bytes(patient.pk)),
        reset_token="",
    )
    world.waitlist_entry = waitlist_join(
        patient=patient,
        service=service,
        area=area,
        address=MARKERS["address"],
        first_day=timezone.localdate() + timedelta(days=4),
    )
    world.waitlist_offer = WaitlistOffer.objects.create(
        entry=world.waitlist_entry, start=_at(4, 10), request_token=uuid.uuid4()
    )
    # The feed answers whoever holds its current token (calendar apps cannot log in): the world
    # holds a revoked one, which answers 404 to everyone; bookings/tests/test_calendar.py fetches
    # with the current one.
    world.revoked_feed_token = calendar_feed_renew(technician=technician)
    calendar_feed_renew(technician=technician)
    for role, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            world.sessions[role] = client.cookies["sessionid"].value
    # Made after the log-ins above: a reset token stops working once the user logs in again.
    patient.refresh_from_db()
    world.reset_token = default_token_generator.make_token(patient)
    return world


def content_type_id(model) -> int:
    return ContentType.objects.get_for_model(model).pk
