"""Every read of a record by anyone but its patient is kept, and the patient sees who it was.

The last test walks every URL of the whole site as each kind of reader and proves that any
response showing a record's contents wrote exactly one read row, so a new page or admin screen
that shows health data without auditing it fails here.
"""

import itertools
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bookings.models import Payment
from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from records.models import HealthRecord, RecordAccess
from records.tests.conftest import OTHER_SECRET, REASON, SECRETS, give_reason
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visiting(patient, service, area):
    # A technician with a confirmed visit to `patient` in twelve hours: may read the patient's records.
    technician = TechnicianFactory(user__first_name="Vera", user__last_name="Visiting")
    BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(hours=12),
        confirmed=True,
    )
    return technician


def _read_urls(record):
    document = record.documents.get()
    return {
        "detail": reverse("records:detail", args=[record.pk]),
        "print": reverse("records:print", args=[record.pk]),
        "document": reverse("records:document", args=[record.pk, document.pk]),
    }


@pytest.mark.parametrize(("view", "kind"), [("detail", "view"), ("print", "print"), ("document", "document")])
@pytest.mark.parametrize(("who", "reason"), [("author", "author"), ("visiting", "assigned_visit"), ("admin", "admin")])
def test_one_row_per_read_by_someone_else(
    view, kind, who, reason, record, technician, visiting, admin_user, client_for
):
    reader = {"author": technician.user, "visiting": visiting.user, "admin": admin_user}[who]
    client = client_for(reader)
    if who == "admin":
        give_reason(client, record)

    response = client.get(_read_urls(record)[view])

    assert response.status_code == 200
    access = RecordAccess.objects.get()
    assert (access.record, access.reader, access.reason, access.kind) == (record, reader, reason, kind)
    assert access.reason_given == (REASON if who == "admin" else "")
    assert (access.ip_address, access.user_agent) == ("198.51.100.23", "RecordsTest/1.0")
    assert access.document == (record.documents.get() if view == "document" else None)
    assert AdminLog.objects.filter(action="health_record_read", admin_user=reader).count() == 1


def test_opening_the_correction_page_is_a_read(record, technician, client_for):
    client_for(technician.user).get(reverse("records:amend", args=[record.pk]))

    assert RecordAccess.objects.get().kind == "correction"


def test_each_read_is_one_more_row(record, admin_user, client_for):
    client = client_for(admin_user)
    give_reason(client, record)

    for _ in range(3):
        client.get(record.get_absolute_url())

    assert RecordAccess.objects.count() == 3


@pytest.mark.parametrize("view", ["detail", "print", "document"])
def test_the_patients_own_reads_are_not_kept(view, record, patient, client_for):
    response = client_for(patient).get(_read_urls(record)[view])

    assert response.status_code == 200
    assert not RecordAccess.objects.exists()
    assert not AdminLog.objects.filter(action="health_record_read").exists()


def test_refused_reads_leave_no_row(record, other_patient, other_technician, client_for):
    for user in (other_patient, other_technician.user, None):
        for url in _read_urls(record).values():
            client_for(user).get(url)

    assert not RecordAccess.objects.exists()


def test_admin_change_page_is_an_audited_read(record, admin_user, client_for):
    client = client_for(admin_user)
    give_reason(client, record)

    response = client.get(reverse("admin:records_healthrecord_change", args=[record.pk]))

    assert response.status_code == 200
    access = RecordAccess.objects.get()
    assert (access.reader, access.reason, access.kind) == (admin_user, "admin", "back_office")


def test_who_viewed_lists_the_reads_of_the_patients_records(
    record, technician, visiting, admin_user, client_for, patient
):
    client_for(technician.user).get(record.get_absolute_url())
    client_for(visiting.user).get(_read_urls(record)["document"])
    office = client_for(admin_user)
    give_reason(office, record)
    office.get(reverse("admin:records_healthrecord_change", args=[record.pk]))
    client_for(patient).get(record.get_absolute_url())

    page = client_for(patient).get(reverse("records:who-viewed")).content.decode()

    assert page.count("<tr>") == 4  # the header and three reads, not the patient's own
    assert "Nadia Nurse (nurse)" in page
    assert "HomeCure office (administrator)" in page
    assert "@example.com" not in page.split("</nav>", 1)[1]  # no staff address (nor the patient's own)
    assert "Wrote the record" in page
    assert "Vera Visiting (" in page
    assert "Technician of a recent, current or upcoming visit" in page
    assert "Downloaded a document: blood-test.pdf" in page
    assert "Ada Admin" not in page
    assert "Viewed the record in the back office" in page
    assert "The patient asked by phone for a copy of this visit&#x27;s record." in page


def test_who_viewed_shows_nothing_of_other_patients(record, other_record, other_technician, client_for, other_patient):
    client_for(other_technician.user).get(other_record.get_absolute_url())

    page = client_for(other_patient).get(reverse("records:who-viewed")).content.decode()
    empty = client_for(record.user).get(reverse("records:who-viewed")).content.decode()

    assert "Otto Nurse" in page
    assert "Nobody else has viewed your records." in empty
    assert "Otto Nurse" not in empty


def test_who_viewed_page_runs_a_fixed_number_of_queries(
    record, admin_user, client_for, patient, django_assert_max_num_queries
):
    office = client_for(admin_user)
    give_reason(office, record)
    for _ in range(25):
        office.get(record.get_absolute_url())
    client = client_for(patient)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("records:who-viewed"))

    assert response.context["page_obj"].paginator.count == 25


# --- The whole site, as every kind of reader ---------------------------------------------------

#: The pages that show a record's contents to someone other than its patient. Each must keep the read.
AUDITED_READ_PATHS = {
    "records:detail",
    "records:print",
    "records:document",
    "records:amend",
    "admin:records_healthrecord_change",
}

#: URL names the walk does not open, and why.
NOT_WALKED = {
    "accounts:password_reset_confirm": "a one-time link of a user's own password reset",
    "accounts:signup-confirm": "a one-time link that confirms a new account's e-mail address",
    "admin:view_on_site": "redirects to the object's own page, which the walk opens itself",
}


def _named_patterns(resolver=None, namespace="", groups=()):
    """(URL name, names of its URL arguments) for every named URL of the site."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        own_groups = tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern, inner, groups + own_groups)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", groups + own_groups


def _admin_objects():
    """Admin URL name prefix -> the pks of that model's rows (taken before the walk adds any)."""
    objects = {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_": list(model.objects.values_list("pk", flat=True))
        for model in admin.site._registry
    }
    # Django's user admin names its password page after the default user model.
    objects["admin:auth_user_"] = list(get_user_model().objects.values_list("pk", flat=True))
    return objects


def _arguments(name, groups, values, admin_objects):
    """Every combination of argument values to open `name` with."""
    choices = []
    for group in groups:
        if group in ("object_id", "id") and name.startswith("admin:"):
            prefix = next((p for p in admin_objects if name.startswith(p)), None)
            assert prefix is not None, f"{name}: no admin model for its object_id"
            options = admin_objects[prefix]
        else:
            assert group in values, f"Tell this walk what to put in <{group}> to open {name}."
            options = values[group]
        choices.append([(group, option) for option in options])
    return [dict(combination) for combination in itertools.product(*choices)]


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode("utf-8", errors="replace")


def test_no_page_of_the_site_shows_a_record_without_keeping_the_read(
    record, other_record, patient, technician, visiting, other_technician, admin_user, client_for, service
):
    # `other_record` belongs to another patient and was written by `other_technician`: the walk
    # also proves that its readers' reads are kept and that nobody else sees it.
    other_patient = other_record.user
    BookingFactory(user=patient, technician=technician, service=service, in_progress=True)
    visits = [*patient.bookings.all(), other_record.booking]
    values = {
        "pk": [record.pk, other_record.pk],
        "document_pk": [record.documents.get().pk, other_record.documents.get().pk],
        "reference": [visit.reference for visit in visits],
        "token": [visit.qr_code_data for visit in visits if visit.qr_code_data] or ["unknown"],
        "slug": [service.slug],
        # Receipts and credit notes carry no health data; one number is enough to open the page.
        "number": list(Payment.objects.exclude(number=None).values_list("number", flat=True)[:1])
        or ["HC-R-2026-000001"],
        "app_label": sorted({model._meta.app_label for model in admin.site._registry}),
    }
    admin_objects = _admin_objects()
    readers = {
        "patient": patient,
        "author": technician.user,
        "visiting technician": visiting.user,
        "unassigned technician": other_technician.user,
        "other patient": other_patient,
        "admin": admin_user,
    }
    shown_to_admin = set()
    for who, user in readers.items():
        client = client_for(user)
        if who == "admin":
            give_reason(client, record)
            give_reason(client, other_record)
        for name, groups in _named_patterns():
            if name in NOT_WALKED:
                continue
            for kwargs in _arguments(name, groups, values, admin_objects):
                url = reverse(name, kwargs=kwargs)
                before = RecordAccess.objects.count()
                body = _body(client.get(url))
                reads = RecordAccess.objects.count() - before
                shows_record = any(secret in body for secret in SECRETS)
                shows_other = OTHER_SECRET in body
                where = f"{who} at {url} ({name})"
                if who in ("patient", "other patient"):
                    assert reads == 0, f"a patient's read of their own record was kept: {where}"
                elif shows_record or shows_other:
                    assert name in AUDITED_READ_PATHS, f"health data shown outside the audited pages: {where}"
                    assert reads == 1, f"{reads} reads kept for one page: {where}"
                else:
                    assert reads == 0, f"a read kept for a page that showed nothing: {where}"
                if who in ("patient", "author", "visiting technician"):
                    assert not shows_other, f"another patient's record shown: {where}"
                if who in ("unassigned technician", "other patient"):
                    assert not shows_record, f"a stranger saw the record: {where}"
                if who == "admin" and shows_record:
                    shown_to_admin.add(name)
    # The walk reached every audited page, so the checks above ran on each of them.
    assert shown_to_admin == AUDITED_READ_PATHS
    assert HealthRecord.objects.count() == 2
