"""`manage.py seed_demo`: a small, realistic platform to click through.

Demo data only. Every demo account shares the password `DEMO_PASSWORD`, printed at the end; never
run this against a database that real people use. The demo administrator's authenticator app holds
the published key `DEMO_TOTP_KEY`, printed too, so a person can pass the second factor of the log-in.

Running it again changes nothing: every row is found by its natural key (e-mail, slug, licence
number, booking reference) and brought back to the demo values. Visit dates are relative to today,
so a later run moves the demo visits along with the calendar, and each one moves on to the nearest
day its technician works at its hour, whatever the weekday of the run.
"""

import io
import uuid
from base64 import b32decode
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageDraw

from accounts.models import ServiceArea, User, UserRole
from bookings import payments, qr
from bookings.models import (
    Booking,
    BookingDecline,
    BookingStatus,
    BookingStatusHistory,
    DayPart,
    PaymentMethod,
    PaymentStatus,
    SeriesRepeat,
    Service,
    ServiceCategory,
    WaitlistEntry,
    WaitlistStatus,
)
from bookings.series import RepeatRule, SeriesRequest, series_create
from bookings.services import BookingError, new_check_in_code
from bookings.waitlist import expiry_of
from earnings.models import EarningStatus, PayoutMethod, TechnicianEarnings
from earnings.services import earning_create_for_booking, earning_put_on_hold, payout_record
from homecure.base.dates import format_when
from homecure.base.money import round_money
from homecure.base.system_settings import SETTINGS
from homecure.management.demo_paths import status_steps, went_through
from homecure.models import SystemSettings
from notifications.models import Notification, NotificationType, Priority
from records.models import HealthRecord, RecordType
from technicians.models import ScheduleWindow, Specialization, Technician

DEMO_PASSWORD = "homecure-demo-2026"  # noqa: S105  (documented demo-only password)
# A fixed salt makes the demo hash the same string on every run: a re-run restores a changed demo
# password by comparing strings, without paying the deliberately slow hasher once per account.
# It is long enough (more than 128 bits by Django's measure) that a login does not re-hash it.
DEMO_PASSWORD_SALT = "homecureDemoOnlySalt2026x"  # noqa: S105  (a salt, not a secret)
# The demo care plan's form token: a second run of the command finds the plan the first one made.
DEMO_CARE_PLAN_TOKEN = uuid.UUID("5eed0c4e-0000-4000-8000-00000000ca4e")

# The demo administrator's two-factor key (base32, as authenticator apps take it): published here,
# so demo only, like the password.
DEMO_TOTP_KEY = "HOMECUREDEMO2FAKEYNEVERINPRODXYZ"
ADMIN = {"email": "admin@homecure.example", "first_name": "Alex", "last_name": "Morgan"}

AREAS = [
    ("camden", "Camden", "Camden Town, Kentish Town, Primrose Hill"),
    ("hackney", "Hackney", "Dalston, Hackney Central, Stoke Newington"),
    ("islington", "Islington", "Angel, Highbury, Holloway"),
    ("westminster", "Westminster", "Marylebone, Pimlico, Soho"),
]

PATIENTS = [
    {
        "email": "emma.clarke@homecure.example",
        "first_name": "Emma",
        "last_name": "Clarke",
        "phone": "+44 20 7946 0101",
        "address": "12 Oakley Square, London NW1 1NJ",
        "area": "camden",
    },
    {
        "email": "james.wilson@homecure.example",
        "first_name": "James",
        "last_name": "Wilson",
        "phone": "+44 20 7946 0102",
        "address": "48 Navarino Road, London E8 1AD",
        "area": "hackney",
    },
    {
        "email": "grace.okafor@homecure.example",
        "first_name": "Grace",
        "last_name": "Okafor",
        "phone": "+44 20 7946 0103",
        "address": "7 Highbury Terrace, London N5 1UP",
        "area": "islington",
    },
]

# Weekly schedules by name: weekday (0 = Monday) -> working windows in the platform's time zone.
SCHEDULES = {
    "weekdays": {day: [("09:00", "17:00")] for day in range(5)},
    "weekdays_and_saturday": {**{day: [("09:00", "17:00")] for day in range(5)}, 5: [("09:00", "13:00")]},
    "split_shifts": {
        0: [("08:00", "12:00"), ("14:00", "19:00")],
        1: [("09:00", "17:00")],
        2: [("08:00", "12:00"), ("14:00", "19:00")],
        3: [("09:00", "17:00")],
        4: [("08:00", "12:00"), ("14:00", "19:00")],
    },
    "every_day": {day: [("08:00", "12:00"), ("13:00", "20:00")] for day in range(7)},
}

TECHNICIANS = [
    {
        "email": "sarah.bennett@homecure.example",
        "first_name": "Sarah",
        "last_name": "Bennett",
        "specialization": Specialization.NURSE,
        "license_number": "NMC-14A2087E",
        "experience_years": 12,
        "areas": ["camden", "islington"],
        "schedule": "split_shifts",
        "bio": "Community nurse with twelve years in district nursing: wound care, injections and post-surgery checks.",
        "certifications": [{"name": "Tissue Viability", "issuer": "Royal College of Nursing", "expiry": "2027-06-30"}],
    },
    {
        "email": "david.okoye@homecure.example",
        "first_name": "David",
        "last_name": "Okoye",
        "specialization": Specialization.NURSE,
        "license_number": "NMC-09B4410E",
        "experience_years": 17,
        "areas": ["hackney", "islington"],
        "schedule": "every_day",
        "bio": "Senior nurse, formerly in acute medicine; covers evenings and weekends.",
        "certifications": [
            {"name": "Immediate Life Support", "issuer": "Resuscitation Council UK", "expiry": "2026-11-30"}
        ],
    },
    {
        "email": "laura.fischer@homecure.example",
        "first_name": "Laura",
        "last_name": "Fischer",
        "specialization": Specialization.PHYSIOTHERAPIST,
        "license_number": "HCPC-PH118204",
        "experience_years": 8,
        "areas": ["camden", "westminster"],
        "schedule": "weekdays",
        "bio": "Musculoskeletal physiotherapist: back and neck pain, sports injuries, rehabilitation after surgery.",
        "certifications": [{"name": "Acupuncture for Physiotherapists", "issuer": "AACP", "expiry": "2028-01-31"}],
    },
    {
        "email": "tom.hughes@homecure.example",
        "first_name": "Tom",
        "last_name": "Hughes",
        "specialization": Specialization.PHYSIOTHERAPIST,
        "license_number": "HCPC-PH120377",
        "experience_years": 5,
        "areas": ["hackney", "islington", "westminster"],
        "schedule": "weekdays_and_saturday",
        "bio": "Neurological and elderly-care physiotherapist; mobility and falls prevention at home.",
        "certifications": [],
    },
    {
        "email": "priya.shah@homecure.example",
        "first_name": "Priya",
        "last_name": "Shah",
        "specialization": Specialization.LAB_TECHNICIAN,
        "license_number": "HCPC-BS061952",
        "experience_years": 10,
        "areas": ["camden", "hackney", "islington", "westminster"],
        "schedule": "split_shifts",
        "bio": "Biomedical scientist and phlebotomist; early-morning fasting blood tests are her speciality.",
        "certifications": [{"name": "Phlebotomy", "issuer": "National Association of Phlebotomists", "expiry": ""}],
    },
    {
        "email": "marco.rossi@homecure.example",
        "first_name": "Marco",
        "last_name": "Rossi",
        "specialization": Specialization.LAB_TECHNICIAN,
        "license_number": "HCPC-BS072318",
        "experience_years": 4,
        "areas": ["islington", "hackney", "westminster"],
        "schedule": "weekdays",
        "bio": "Lab technician collecting blood and urine samples for same-day analysis.",
        "certifications": [],
    },
    {
        "email": "nina.kowalski@homecure.example",
        "first_name": "Nina",
        "last_name": "Kowalski",
        "specialization": Specialization.NURSE,
        "license_number": "NMC-22C7731E",
        "experience_years": 2,
        "areas": ["westminster"],
        "schedule": "weekdays",
        "bio": "Newly registered nurse; waiting for her documents to be checked.",
        "certifications": [],
        "unverified": True,
    },
]

SERVICES = [
    (
        ServiceCategory.NURSING,
        "home-nurse-visit",
        "Home nurse visit",
        "A registered nurse checks your health at home: vital signs, medication review and advice.",
        "65.00",
        60,
    ),
    (
        ServiceCategory.NURSING,
        "wound-dressing",
        "Wound care and dressing change",
        "Cleaning and dressing of surgical or chronic wounds, with a check for signs of infection.",
        "55.00",
        45,
    ),
    (
        ServiceCategory.NURSING,
        "injection-administration",
        "Injection administration",
        "Prescribed injections (for example B12 or anticoagulants) given at home. Bring your prescription.",
        "39.50",
        30,
    ),
    (
        ServiceCategory.PHYSIOTHERAPY,
        "physiotherapy-assessment",
        "Physiotherapy assessment",
        "A first session: history, movement assessment and a personal exercise plan.",
        "90.00",
        60,
    ),
    (
        ServiceCategory.PHYSIOTHERAPY,
        "post-operative-rehabilitation",
        "Post-operative rehabilitation",
        "Guided rehabilitation after hip, knee or shoulder surgery to regain strength and mobility.",
        "85.00",
        60,
    ),
    (
        ServiceCategory.PHYSIOTHERAPY,
        "back-and-neck-pain-therapy",
        "Back and neck pain therapy",
        "Manual therapy and exercises for back and neck pain.",
        "72.50",
        45,
    ),
    (
        ServiceCategory.LAB_TESTS,
        "blood-sample-collection",
        "Blood sample collection",
        "A blood sample taken at home and delivered to an accredited laboratory the same day.",
        "35.00",
        30,
    ),
    (
        ServiceCategory.LAB_TESTS,
        "full-blood-count-and-metabolic-panel",
        "Full blood count and metabolic panel",
        "Blood count, kidney and liver function, glucose and cholesterol. Fast for 8 hours before the visit.",
        "59.90",
        30,
    ),
    (
        ServiceCategory.LAB_TESTS,
        "urine-sample-collection",
        "Urine sample collection",
        "Urine sample collected at home for urinalysis and culture.",
        "25.00",
        20,
    ),
]

# `days` is counted from today: negative in the past, positive ahead. The visit moves further from
# today until its technician (for a visit waiting for one, the technician who declined it) works
# at `at` on that weekday.
BOOKINGS = [
    {
        "reference": "HC-DEMO0001",
        "patient": "emma.clarke@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "wound-dressing",
        "status": BookingStatus.COMPLETED,
        "days": -14,
        "at": "09:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PAID,
        "user_notes": "Dressing on the left knee after arthroscopy. Ring the top bell.",
        "user_rating": 5,
        "user_review": "Sarah was gentle and explained everything. The wound is healing well.",
        "settled_by": "PAYOUT-SB-0001",
        "record": {
            "record_type": RecordType.WOUND_CARE,
            "diagnosis": "Healing surgical wound, left knee. No signs of infection.",
            "treatment": "Wound cleaned with saline; non-adherent dressing applied.",
            "vitals": {
                "temperature": 36.8,
                "heart_rate": 72,
                # Grade 2 hypertension on the ESC/ESH scale, though no NEWS2 early warning.
                "blood_pressure_systolic": 168,
                "blood_pressure_diastolic": 95,
            },
            "medications": [{"name": "Paracetamol", "dose": "1 g", "frequency": "Up to 4 times a day"}],
            "follow_up_days": 7,
        },
    },
    {
        "reference": "HC-DEMO0002",
        "patient": "emma.clarke@homecure.example",
        "technician": "laura.fischer@homecure.example",
        "service": "post-operative-rehabilitation",
        "status": BookingStatus.COMPLETED,
        "days": -6,
        "at": "11:00",
        "payment_method": PaymentMethod.CARD,
        "payment_status": PaymentStatus.PAID,
        "user_rating": 4,
        "user_review": "Helpful exercises, arrived on time.",
        "record": {
            "record_type": RecordType.THERAPY,
            "diagnosis": "Reduced knee flexion (95 degrees) two weeks after arthroscopy.",
            "treatment": "Soft tissue work, assisted flexion, quadriceps strengthening. Home exercise plan given.",
            "vitals": {"heart_rate": 78, "blood_pressure_systolic": 128, "blood_pressure_diastolic": 82},
            "follow_up_days": 14,
        },
    },
    {
        "reference": "HC-DEMO0003",
        "patient": "grace.okafor@homecure.example",
        "technician": "priya.shah@homecure.example",
        "service": "full-blood-count-and-metabolic-panel",
        "status": BookingStatus.COMPLETED,
        "days": -3,
        "at": "08:30",
        "payment_method": PaymentMethod.ONLINE,
        "payment_status": PaymentStatus.PAID,
        "record": {
            "record_type": RecordType.LAB,
            "diagnosis": "Fasting glucose slightly above the reference range.",
            "treatment": "Sample taken from the right arm; results sent to the patient's GP.",
            "vitals": {"blood_glucose": 108, "heart_rate": 70},
            "lab_results": [
                {"test": "Haemoglobin", "value": "13.4", "unit": "g/dL", "reference_range": "12.0-15.5"},
                {"test": "Fasting glucose", "value": "108", "unit": "mg/dL", "reference_range": "70-99"},
                {"test": "Total cholesterol", "value": "4.9", "unit": "mmol/L", "reference_range": "< 5.0"},
            ],
        },
    },
    {
        "reference": "HC-DEMO0004",
        "patient": "james.wilson@homecure.example",
        "technician": "david.okoye@homecure.example",
        "service": "home-nurse-visit",
        "status": BookingStatus.IN_PROGRESS,
        "days": 0,
        "at": "09:00",
        "payment_method": PaymentMethod.CARD,
        "payment_status": PaymentStatus.PENDING,
    },
    {
        "reference": "HC-DEMO0005",
        "patient": "emma.clarke@homecure.example",
        "technician": "laura.fischer@homecure.example",
        "service": "post-operative-rehabilitation",
        "status": BookingStatus.CONFIRMED,
        "days": 2,
        "at": "11:00",
        "payment_method": PaymentMethod.ONLINE,
        "payment_status": PaymentStatus.PAID,
    },
    {
        "reference": "HC-DEMO0006",
        "patient": "james.wilson@homecure.example",
        "technician": "priya.shah@homecure.example",
        "service": "blood-sample-collection",
        "status": BookingStatus.PENDING,
        "days": 3,
        "at": "08:30",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PENDING,
        "user_notes": "Fasting sample requested by my GP.",
    },
    {
        "reference": "HC-DEMO0007",
        "patient": "grace.okafor@homecure.example",
        "technician": None,
        "service": "physiotherapy-assessment",
        "status": BookingStatus.PENDING,
        "days": 4,
        "at": "14:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PENDING,
        "declined_by": ("tom.hughes@homecure.example", "Fully booked that afternoon."),
        "admin_notes": "Declined by the only physiotherapist serving Islington: assign one by hand.",
    },
    {
        "reference": "HC-DEMO0008",
        "patient": "james.wilson@homecure.example",
        "technician": "tom.hughes@homecure.example",
        "service": "back-and-neck-pain-therapy",
        "status": BookingStatus.CANCELLED,
        "days": 5,
        "at": "10:00",
        "payment_method": PaymentMethod.ONLINE,
        "payment_status": PaymentStatus.REFUNDED,
        "cancellation_reason": "I have to travel for work that week.",
    },
    {
        "reference": "HC-DEMO0009",
        "patient": "grace.okafor@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "injection-administration",
        "status": BookingStatus.CONFIRMED,
        "days": 6,
        "at": "15:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PENDING,
        "user_notes": "Monthly vitamin B12 injection.",
    },
    {
        "reference": "HC-DEMO0010",
        "patient": "grace.okafor@homecure.example",
        "technician": "marco.rossi@homecure.example",
        "service": "urine-sample-collection",
        "status": BookingStatus.CONFIRMED,
        "days": 1,
        "at": "10:00",
        "payment_method": PaymentMethod.CARD,
        "payment_status": PaymentStatus.PENDING,
    },
    # Sarah's month: visits paid online (the platform owes her the net) and in cash at the door (she owes
    # the platform its commission); one weekly payout settled the older ones net, the rest is her balance.
    {
        "reference": "HC-DEMO0011",
        "patient": "grace.okafor@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "home-nurse-visit",
        "status": BookingStatus.COMPLETED,
        "days": -20,
        "at": "15:00",
        "payment_method": PaymentMethod.ONLINE,
        "payment_status": PaymentStatus.PAID,
        "settled_by": "PAYOUT-SB-0001",
        "record": {
            "record_type": RecordType.CHECKUP,
            "diagnosis": "Routine check after a change of blood pressure medication; readings within target.",
            "treatment": "Blood pressure measured sitting and standing; medication list reviewed.",
            "vitals": {"blood_pressure_systolic": 132, "blood_pressure_diastolic": 84, "heart_rate": 70},
        },
    },
    {
        "reference": "HC-DEMO0012",
        "patient": "emma.clarke@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "injection-administration",
        "status": BookingStatus.COMPLETED,
        "days": -12,
        "at": "16:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PAID,
        "settled_by": "PAYOUT-SB-0001",
        "record": {
            "record_type": RecordType.CHECKUP,
            "diagnosis": "Prescribed vitamin B12 injection given; no reaction.",
            "treatment": "Hydroxocobalamin 1 mg intramuscular, left deltoid.",
            "vitals": {"heart_rate": 74},
        },
    },
    {
        "reference": "HC-DEMO0013",
        "patient": "grace.okafor@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "wound-dressing",
        "status": BookingStatus.COMPLETED,
        "days": -9,
        "at": "10:00",
        "payment_method": PaymentMethod.ONLINE,
        "payment_status": PaymentStatus.PAID,
        "record": {
            "record_type": RecordType.WOUND_CARE,
            "diagnosis": "Superficial leg wound healing; edges clean.",
            "treatment": "Wound cleaned; foam dressing applied.",
            "vitals": {"temperature": 36.6},
        },
    },
    {
        "reference": "HC-DEMO0014",
        "patient": "emma.clarke@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "home-nurse-visit",
        "status": BookingStatus.COMPLETED,
        "days": -2,
        "at": "11:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PAID,
        "record": {
            "record_type": RecordType.CHECKUP,
            "diagnosis": "Knee wound closed; mobility improving.",
            "treatment": "Dressing removed; advice on scar care.",
            "vitals": {"heart_rate": 68, "blood_pressure_systolic": 122, "blood_pressure_diastolic": 78},
        },
    },
    # Laura took card and cash at the door: she owes the platform its commission on both. Her physiotherapy
    # assessment is held while the office checks the visit's length with the patient.
    {
        "reference": "HC-DEMO0015",
        "patient": "emma.clarke@homecure.example",
        "technician": "laura.fischer@homecure.example",
        "service": "physiotherapy-assessment",
        "status": BookingStatus.COMPLETED,
        "days": -10,
        "at": "14:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PAID,
        "record": {
            "record_type": RecordType.THERAPY,
            "diagnosis": "Knee stiffness after arthroscopy; flexion 90 degrees.",
            "treatment": "Assessment and a home exercise plan.",
            "vitals": {"heart_rate": 76},
        },
    },
    # Today's round, for the office's day board: several technicians at work, a visit nobody has
    # taken yet, and (once its hour has passed without a check-in) a visit late to check in.
    {
        "reference": "HC-DEMO0021",
        "patient": "emma.clarke@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "injection-administration",
        "status": BookingStatus.CONFIRMED,
        "days": 0,
        "at": "09:30",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PENDING,
    },
    {
        "reference": "HC-DEMO0022",
        "patient": "grace.okafor@homecure.example",
        "technician": "sarah.bennett@homecure.example",
        "service": "wound-dressing",
        "status": BookingStatus.CONFIRMED,
        "days": 0,
        "at": "11:00",
        "payment_method": PaymentMethod.CARD,
        "payment_status": PaymentStatus.PENDING,
    },
    {
        "reference": "HC-DEMO0023",
        "patient": "james.wilson@homecure.example",
        "technician": "priya.shah@homecure.example",
        "service": "blood-sample-collection",
        "status": BookingStatus.CONFIRMED,
        "days": 0,
        "at": "10:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PENDING,
    },
    {
        "reference": "HC-DEMO0024",
        "patient": "grace.okafor@homecure.example",
        "technician": "david.okoye@homecure.example",
        "service": "home-nurse-visit",
        "status": BookingStatus.CONFIRMED,
        "days": 0,
        "at": "14:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PENDING,
    },
    {
        "reference": "HC-DEMO0025",
        "patient": "james.wilson@homecure.example",
        "technician": None,
        "service": "home-nurse-visit",
        "status": BookingStatus.PENDING,
        "days": 0,
        "at": "16:00",
        "payment_method": PaymentMethod.CASH,
        "payment_status": PaymentStatus.PENDING,
        "declined_by": ("david.okoye@homecure.example", "Running late on the afternoon round."),
        "admin_notes": "Declined by the only nurse serving Hackney: assign one by hand, with a reason.",
    },
    {
        "reference": "HC-DEMO0026",
        "patient": "emma.clarke@homecure.example",
        "technician": "laura.fischer@homecure.example",
        "service": "post-operative-rehabilitation",
        "status": BookingStatus.CONFIRMED,
        "days": 0,
        "at": "15:00",
        "payment_method": PaymentMethod.ONLINE,
        "payment_status": PaymentStatus.PAID,
    },
]


#: The demo's earning on hold, and the reason its technician reads on the earnings page.
HELD_VISIT = "HC-DEMO0015"
HOLD_REASON = "The patient says the assessment was 40 minutes, not 60: on hold while we check with them."


def _clock(value: str) -> time:
    return time.fromisoformat(value)


def _covers(windows, start: time, duration_minutes: int) -> bool:
    end = (datetime.combine(date.min, start) + timedelta(minutes=duration_minutes)).time()
    return any(_clock(low) <= start and end <= _clock(high) for low, high in windows)


class Command(BaseCommand):
    help = (
        "Load demo data (areas, services, users of every role, bookings in every status) and print the "
        "demo logins. Safe to run again. Demo only: every account shares one published password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even though DEBUG is off. The demo admin's password is public: never on a live site.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates an administrator with a published password, so it runs only with DEBUG on "
                "(DEBUG=1). Pass --allow-without-debug for a throwaway database that runs with DEBUG off."
            )
        admin, patients, technicians = self.seed(today=timezone.localdate())
        self.print_logins(admin, patients.values(), technicians.values())

    @transaction.atomic
    def seed(self, *, today: date):
        """Write the demo data with its visits placed around `today`, in their technicians' hours."""
        self.today = today
        self.schedules = {}
        self.password_hash = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
        self.ensure_settings()
        areas = self.seed_areas()
        services = self.seed_services()
        admin = self.seed_admin()
        patients = self.seed_patients(areas)
        technicians = self.seed_technicians(areas)
        bookings = self.seed_bookings(services, patients, technicians, admin)
        self.seed_money(bookings, admin)
        self.seed_care_plan(services, patients)
        self.refresh_technician_stats(technicians.values())
        self.seed_notifications(bookings, admin)
        self.seed_waitlist(services, patients)
        return admin, patients, technicians

    def ensure_settings(self):
        """The data migration creates these; a database restored from elsewhere may lack some."""
        for spec in SETTINGS.values():
            SystemSettings.objects.get_or_create(
                key=spec.key,
                defaults={
                    "value": spec.serialize(spec.default),
                    "data_type": spec.data_type,
                    "category": spec.category,
                    "description": spec.description,
                    "is_editable": spec.is_editable,
                },
            )

    def seed_areas(self):
        areas = {}
        for slug, name, description in AREAS:
            areas[slug], _ = ServiceArea.objects.update_or_create(
                slug=slug, defaults={"name": name, "description": description, "is_active": True}
            )
        return areas

    def seed_services(self):
        services = {}
        for category, slug, name, description, price, duration in SERVICES:
            services[slug], _ = Service.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "category": category,
                    "description": description,
                    "price": Decimal(price),
                    "duration_minutes": duration,
                    "is_active": True,
                },
            )
        return services

    def seed_user(self, *, email, first_name, last_name, role, **fields):
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={"first_name": first_name, "last_name": last_name, "role": role, "is_active": True, **fields},
        )
        if user.password != self.password_hash:
            user.password = self.password_hash
            user.save(update_fields=["password"])
        return user

    def seed_admin(self):
        admin = self.seed_user(**ADMIN, role=UserRole.ADMIN, is_staff=True, is_superuser=True)
        # Administrators log in with a second factor: the demo one's app holds the published key.
        key = b32decode(DEMO_TOTP_KEY).hex()
        device = TOTPDevice.objects.filter(user=admin, confirmed=True).first()
        if device is None:
            TOTPDevice.objects.create(user=admin, name="Demo authenticator app", key=key, confirmed=True)
        elif device.key != key:
            device.key = key
            device.save(update_fields=["key"])
        return admin

    def seed_patients(self, areas):
        patients = {}
        for data in PATIENTS:
            fields = {**data, "area": areas[data["area"]]}
            patients[data["email"]] = self.seed_user(**fields, role=UserRole.PATIENT, is_staff=False)
        return patients

    def seed_technicians(self, areas):
        technicians = {}
        verified_at = timezone.make_aware(datetime.combine(self.today - timedelta(days=90), time(10, 0)))
        for data in TECHNICIANS:
            verified = not data.get("unverified", False)
            user = self.seed_user(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=UserRole.TECHNICIAN,
                is_staff=False,
            )
            technician, _ = Technician.objects.update_or_create(
                license_number=data["license_number"],
                defaults={
                    "user": user,
                    "specialization": data["specialization"],
                    "experience_years": data["experience_years"],
                    "certifications": data["certifications"],
                    "bio": data["bio"],
                    "is_available": True,
                    "is_active": True,
                    "is_verified": verified,
                    "verified_at": verified_at if verified else None,
                },
            )
            if verified and not technician.profile_picture:
                technician.profile_picture.save(f"demo-{technician.pk}.png", ContentFile(_portrait(len(technicians))))
            technician.service_areas.set([areas[slug] for slug in data["areas"]])
            self.seed_schedule(technician, SCHEDULES[data["schedule"]])
            self.schedules[technician.pk] = SCHEDULES[data["schedule"]]
            technicians[data["email"]] = technician
        return technicians

    def seed_schedule(self, technician, schedule):
        wanted = set()
        for weekday, windows in schedule.items():
            for low, high in windows:
                window, _ = ScheduleWindow.objects.update_or_create(
                    technician=technician, weekday=weekday, start_time=_clock(low), defaults={"end_time": _clock(high)}
                )
                wanted.add(window.pk)
        technician.availability_schedule.exclude(pk__in=wanted).delete()

    def visit_start(self, spec, technician, duration_minutes):
        """The first day from `days` (moving away from today) on which `technician` works at `at`.

        A visit waiting for a technician (`technician` is None) was offered to the one who declined
        it, so it falls in their hours: whatever the weekday of the run, the office then finds
        somebody to assign.
        """
        at = _clock(spec["at"])
        day = self.today + timedelta(days=spec["days"])
        step = timedelta(days=-1 if spec["days"] < 0 else 1)
        schedule = self.schedules[technician.pk]
        for _attempt in range(7):
            if _covers(schedule.get(day.weekday(), []), at, duration_minutes):
                return timezone.make_aware(datetime.combine(day, at))
            day += step
        raise CommandError(f"{spec['reference']}: the technician never works at {spec['at']}.")

    def seed_bookings(self, services, patients, technicians, admin):
        bookings = {}
        for spec in BOOKINGS:
            service = services[spec["service"]]
            patient = patients[spec["patient"]]
            technician = technicians[spec["technician"]] if spec["technician"] else None
            offered_to = technician or technicians[spec["declined_by"][0]]
            start = self.visit_start(spec, offered_to, service.duration_minutes)
            booking = Booking.objects.filter(reference=spec["reference"]).first() or Booking(
                reference=spec["reference"]
            )
            booking.set_schedule(start, service.duration_minutes)
            end = booking.scheduled_end
            # Requested a few days ahead, and never later than yesterday noon, so every history
            # timestamp is in the past.
            yesterday_noon = timezone.make_aware(datetime.combine(self.today - timedelta(days=1), time(12)))
            requested_at = min(start - timedelta(days=3), yesterday_noon)
            status = spec["status"]
            steps = status_steps(status)
            booking.user = patient
            booking.technician = technician
            booking.service = service
            booking.status = status
            booking.service_address = patient.address
            booking.service_area = patient.area
            booking.total_amount = service.price
            booking.payment_method = spec["payment_method"]
            booking.payment_status = spec["payment_status"]
            booking.user_notes = spec.get("user_notes", "")
            booking.admin_notes = spec.get("admin_notes", "")
            booking.user_rating = spec.get("user_rating")
            booking.user_review = spec.get("user_review", "")
            booking.cancellation_reason = spec.get("cancellation_reason", "")
            # A waiting offer is made as the demo is loaded, so its technician has the whole
            # `booking_offer_minutes` to accept it before `run_scheduled` passes it on.
            booking.offered_at = timezone.now() if status == BookingStatus.PENDING and technician else None
            checked_in = went_through(status, BookingStatus.IN_PROGRESS)
            booking.checked_in_at = start + timedelta(minutes=4) if checked_in else None
            booking.completed_at = end if status == BookingStatus.COMPLETED else None
            booking.cancelled_at = requested_at + timedelta(hours=6) if status == BookingStatus.CANCELLED else None
            if went_through(status, BookingStatus.CONFIRMED) and not booking.qr_code_data:
                booking.qr_code_data = qr.new_token()
                booking.qr_code = qr.qr_png_base64(booking.qr_code_data)
                booking.checkin_code = new_check_in_code()
            booking.save()
            self.seed_payments(
                booking, paid_at=requested_at + timedelta(hours=1), tech_user=technician and technician.user
            )
            # Made when it was requested, not when the demo was loaded: the dashboard measures
            # the wait from booking to acceptance from here.
            Booking.objects.filter(pk=booking.pk).update(created_at=requested_at)

            tech_user = technician.user if technician else None
            changes = {
                BookingStatus.PENDING: (patient, requested_at, ""),
                BookingStatus.CONFIRMED: (tech_user, requested_at + timedelta(hours=2), ""),
                BookingStatus.IN_PROGRESS: (tech_user, booking.checked_in_at, "Checked in by QR code."),
                BookingStatus.COMPLETED: (tech_user, end, ""),
                BookingStatus.CANCELLED: (patient, booking.cancelled_at, booking.cancellation_reason),
            }
            for previous, step in steps:
                changed_by, at, note = changes[step]
                BookingStatusHistory.objects.update_or_create(
                    booking=booking,
                    to_status=step,
                    defaults={"from_status": previous, "changed_by": changed_by, "created_at": at, "note": note},
                )
            booking.history.exclude(to_status__in=[step for _previous, step in steps]).delete()

            if "declined_by" in spec:
                email, reason = spec["declined_by"]
                BookingDecline.objects.update_or_create(
                    booking=booking,
                    technician=technicians[email],
                    defaults={"reason": reason, "created_at": requested_at},
                )
            if status == BookingStatus.COMPLETED:
                self.seed_record(booking, spec["record"])
                self.seed_earning(booking)
            bookings[spec["reference"]] = booking
        return bookings

    def seed_payments(self, booking, *, paid_at, tech_user):
        """The rows a paid or refunded demo visit's money left, with their receipts, once: an online payment
        when it was booked, money at the door when it was completed, a refund when it was cancelled."""
        if booking.payment_status == PaymentStatus.PENDING or booking.payments.exists():
            return
        online = booking.payment_method == PaymentMethod.ONLINE
        payments.record_charge(
            booking=booking,
            kind=booking.payment_method,
            provider="sandbox" if online else payments.DOOR_PROVIDER,
            reference=f"test_{booking.reference.lower()}" if online else "",
            actor=booking.user if online else tech_user,
            now=paid_at if online else booking.completed_at,
        )
        if booking.payment_status == PaymentStatus.REFUNDED:
            payments.refund_on_cancellation(
                booking, cause=payments.RefundCause.PATIENT, actor=booking.user, now=booking.cancelled_at
            )
        booking.save(update_fields=payments.sync_booking_payment(booking))

    def seed_care_plan(self, services, patients):
        """Emma's physiotherapy care plan: six visits on Mondays and Thursdays at 11:00 from the
        Monday after next, booked as a patient books one, and left waiting for the technician."""
        first = self.today + timedelta(days=7 - self.today.weekday() + 7)
        request = SeriesRequest(
            service=services["physiotherapy-assessment"],
            area=patients["emma.clarke@homecure.example"].area,
            address=patients["emma.clarke@homecure.example"].address,
            first_day=first,
            wall=time(11),
            rule=RepeatRule(repeat=SeriesRepeat.WEEKDAYS, weekdays=(0, 3), count=6),
        )
        try:
            series_create(
                patient=patients["emma.clarke@homecure.example"],
                request=request,
                proposal=request.propose(),
                request_token=DEMO_CARE_PLAN_TOKEN,
            )
        except BookingError as error:
            self.stdout.write(f"The demo care plan could not be booked: {error.message}")

    def seed_record(self, booking, spec):
        follow_up_days = spec.get("follow_up_days")
        HealthRecord.objects.update_or_create(
            booking=booking,
            defaults={
                "user": booking.user,
                "record_type": spec["record_type"],
                "record_date": booking.scheduled_date,
                "diagnosis": spec["diagnosis"],
                "treatment": spec["treatment"],
                "vitals": spec.get("vitals", {}),
                "medications": spec.get("medications", []),
                "lab_results": spec.get("lab_results", []),
                "provider_name": booking.technician.user.get_full_name(),
                "follow_up_required": follow_up_days is not None,
                "follow_up_date": booking.scheduled_date + timedelta(days=follow_up_days) if follow_up_days else None,
                "created_by": booking.technician.user,
            },
        )

    def seed_earning(self, booking):
        """The visit's earning as completing it makes one, dated when the visit ended."""
        earning = earning_create_for_booking(booking=booking)
        TechnicianEarnings.objects.filter(pk=earning.pk).update(created_at=booking.completed_at)

    def seed_money(self, bookings, admin):
        """Payouts through the payout service (net of collections, audited, the technician told), and
        one earning held with a reason. Earnings already settled or held are left as they are."""
        by_payout = defaultdict(list)
        for spec in BOOKINGS:
            if "settled_by" in spec:
                by_payout[spec["settled_by"]].append(bookings[spec["reference"]])
        for transaction_id, visits in by_payout.items():
            earnings = TechnicianEarnings.objects.filter(booking__in=visits, payment_status=EarningStatus.PENDING)
            if len(earnings) != len(visits):
                continue
            paid_at = min(max(visit.scheduled_end for visit in visits) + timedelta(days=2), timezone.now())
            payout_record(
                technician=visits[0].technician,
                earnings=list(earnings),
                actor=admin,
                method=PayoutMethod.BANK_TRANSFER,
                transaction_id=transaction_id,
                now=paid_at,
            )
        held = TechnicianEarnings.objects.get(booking=bookings[HELD_VISIT])
        if held.payment_status == EarningStatus.PENDING:
            earning_put_on_hold(earning=held, actor=admin, reason=HOLD_REASON)

    def refresh_technician_stats(self, technicians):
        """Ratings and counts follow the demo visits, as the review and completion services keep them."""
        completed = Q(bookings__status=BookingStatus.COMPLETED)
        rated = completed & Q(bookings__user_rating__isnull=False)
        stats = Technician.objects.filter(pk__in=[t.pk for t in technicians]).annotate(
            done=Count("bookings", filter=completed),
            reviews=Count("bookings", filter=rated),
            average=Avg("bookings__user_rating", filter=rated),
        )
        for technician in stats:
            technician.completed_bookings = technician.done
            technician.total_reviews = technician.reviews
            technician.rating = round_money(Decimal(str(technician.average or 0)))
            technician.save(update_fields=["completed_bookings", "total_reviews", "rating"])

    def seed_notifications(self, bookings, admin):
        def notify(user, booking, title, message, notification_type, priority=Priority.NORMAL, url=None):
            Notification.objects.update_or_create(
                user=user,
                title=title,
                related_entity_type="booking",
                related_entity_id=booking.reference,
                defaults={
                    "message": message,
                    "notification_type": notification_type,
                    "priority": priority,
                    "action_url": url or booking.get_absolute_url(),
                },
            )

        confirmed, completed, cancelled = bookings["HC-DEMO0005"], bookings["HC-DEMO0003"], bookings["HC-DEMO0008"]
        pending, unassigned = bookings["HC-DEMO0006"], bookings["HC-DEMO0007"]

        def on(booking):
            return f"{format_when(booking.local_start, 'weekday')} at {format_when(booking.local_start, 'time')}"

        notify(
            confirmed.user,
            confirmed,
            "Your visit is confirmed",
            f"{confirmed.technician.user.get_full_name()} will visit you on {on(confirmed)}. "
            "Show the QR code on the booking page when they arrive.",
            NotificationType.BOOKING,
        )
        notify(
            completed.user,
            completed,
            "A health record was added",
            "Your results from the home lab visit are ready to read.",
            NotificationType.RECORD,
        )
        notify(
            cancelled.technician.user,
            cancelled,
            "A visit was cancelled",
            f"The patient cancelled the visit on {on(cancelled)}.",
            NotificationType.BOOKING,
        )
        notify(
            pending.technician.user,
            pending,
            "New visit request",
            f"{pending.service} on {on(pending)}: please accept or decline.",
            NotificationType.BOOKING,
            Priority.HIGH,
        )
        notify(
            admin,
            unassigned,
            "A booking needs a technician",
            f"Nobody has accepted {unassigned.reference} ({unassigned.service}). Assign a technician.",
            NotificationType.BOOKING,
            Priority.HIGH,
            url=reverse("admin:bookings_booking_change", args=[unassigned.pk]),
        )

    def seed_waitlist(self, services, patients):
        """Grace waits for a wound dressing on a morning of the next days: "My waitlist" shows it, and
        cancelling a morning visit of a nurse in Islington offers its time to her."""
        grace = patients["grace.okafor@homecure.example"]
        first_day = self.today + timedelta(days=2)
        WaitlistEntry.objects.update_or_create(
            patient=grace,
            service=services["wound-dressing"],
            defaults={
                "area": grace.area,
                "address": grace.address,
                "first_day": first_day,
                "last_day": first_day + timedelta(days=4),
                "day_part": DayPart.MORNING,
                "status": WaitlistStatus.WAITING,
                "expires_at": expiry_of(first_day + timedelta(days=4)),
            },
        )

    def print_logins(self, admin, patients, technicians):
        rows = [("admin", admin.email, f"Django admin at {reverse('admin:index')}")]
        rows += [("patient", user.email, user.get_full_name()) for user in patients]
        for technician in technicians:
            state = technician.get_specialization_display() + ("" if technician.is_verified else ", not verified")
            rows.append(("technician", technician.user.email, f"{technician.user.get_full_name()} ({state})"))
        width = max(len(email) for _, email, _ in rows)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo logins (demo only, never use in production):"))
        for role, email, who in rows:
            self.stdout.write(f"  {role:<11} {email:<{width}}  {DEMO_PASSWORD}  {who}")
        self.stdout.write(
            f"  The admin's two-factor key (demo only): {DEMO_TOTP_KEY}. Add it to an authenticator app "
            f"(enter the key by hand), or get the current code with: oathtool --totp -b {DEMO_TOTP_KEY}"
        )


# Backgrounds of the demo technicians' photos, one each in turn.
PORTRAIT_COLOURS = ((11, 110, 121), (93, 64, 130), (160, 82, 45), (46, 110, 64), (52, 73, 130), (130, 52, 80))


def _portrait(index: int) -> bytes:
    """A plain head-and-shoulders silhouette as a PNG: the booking page shows the technician's photo."""
    image = Image.new("RGB", (256, 256), PORTRAIT_COLOURS[index % len(PORTRAIT_COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.ellipse((83, 48, 173, 148), fill=(236, 239, 241))
    draw.ellipse((38, 160, 218, 330), fill=(236, 239, 241))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
