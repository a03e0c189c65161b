"""Technicians in the back office: verify, unverify, suspend and reinstate through the services,
each audited and (for verification and suspension) told to the technician; credentials shown."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import ServiceAreaFactory
from homecure.models import AdminLog
from notifications.models import Notification
from technicians.models import Technician
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:technicians_technician_changelist")
BROWSER = {"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "Mozilla/5.0 (Technician admin test)"}


def _act(admin_client, action, technicians):
    return admin_client.post(CHANGELIST, {"action": action, "_selected_action": [t.pk for t in technicians]}, **BROWSER)


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


def test_verify_goes_through_the_service_tells_the_technician_and_is_one_entry(
    admin_client, admin_user, unverified_technician
):
    response = _act(admin_client, "verify", [unverified_technician])

    unverified_technician.refresh_from_db()
    assert unverified_technician.is_verified is True
    assert unverified_technician.verified_at is not None
    assert "1 technician verified." in _messages(response)
    entry = AdminLog.objects.get(entity_type="technicians.technician")
    assert entry.action == "technician_verified"
    assert (entry.admin_user, entry.ip_address, entry.user_agent) == (
        admin_user,
        "192.0.2.44",
        "Mozilla/5.0 (Technician admin test)",
    )
    assert entry.previous_values == {"is_verified": False, "verified_at": None}
    assert entry.new_values["is_verified"] is True
    assert entry.description == "Verified technician Nora Newcomer (Nurse) (licence NMC-000003)."
    notice = Notification.objects.get(user=unverified_technician.user)
    assert notice.title == "Your account is verified"


def test_verifying_a_verified_technician_changes_and_logs_nothing(admin_client, technician):
    response = _act(admin_client, "verify", [technician])

    assert "0 technicians verified." in _messages(response)
    assert not AdminLog.objects.exists()
    assert not Notification.objects.filter(user=technician.user).exists()


def test_unverify_is_audited(admin_client, admin_user, technician):
    _act(admin_client, "unverify", [technician])

    technician.refresh_from_db()
    assert technician.is_verified is False
    entry = AdminLog.objects.get()
    assert entry.action == "technician_unverified"
    assert entry.admin_user == admin_user
    assert (entry.previous_values["is_verified"], entry.new_values["is_verified"]) == (True, False)
    assert entry.description == "Withdrew the verification of technician Nadia Nurse (Nurse)."


def test_suspend_and_reinstate_are_audited_and_suspension_is_told(admin_client, admin_user, technician):
    suspended = _act(admin_client, "suspend", [technician])
    technician.refresh_from_db()
    assert technician.is_active is False
    reinstated = _act(admin_client, "reinstate", [technician])
    technician.refresh_from_db()

    assert technician.is_active is True
    assert "1 technician suspended." in _messages(suspended)
    assert "1 technician reinstated." in _messages(reinstated)
    actions = list(AdminLog.objects.order_by("pk").values_list("action", "previous_values", "new_values"))
    assert actions == [
        ("technician_suspended", {"is_active": True}, {"is_active": False}),
        ("technician_reinstated", {"is_active": False}, {"is_active": True}),
    ]
    assert Notification.objects.get(user=technician.user).title == "Your account is suspended"


def test_suspension_is_not_a_checkbox_in_the_form(admin_client, technician, area):
    page = admin_client.get(reverse("admin:technicians_technician_change", args=[technician.pk]))

    form = page.context["adminform"].form
    assert "is_active" not in form.fields
    assert "is_verified" not in form.fields


def test_change_page_shows_credentials_with_expired_ones_marked(admin_client, area):
    technician = TechnicianFactory(
        areas=[area],
        license_number="HCPC-PH-4411",
        experience_years=12,
        certifications=[
            {"name": "Physiotherapy degree", "issuer": "University of Leeds", "expiry": ""},
            {"name": "HCPC registration", "issuer": "HCPC", "expiry": "2020-01-31"},
            {"name": "First aid", "issuer": "St John Ambulance", "expiry": "2099-06-30"},
        ],
    )

    page = admin_client.get(reverse("admin:technicians_technician_change", args=[technician.pk])).content.decode()

    assert "HCPC-PH-4411" in page
    assert "<td>HCPC registration</td><td>HCPC</td><td>2020-01-31</td><td>expired</td>" in page
    assert "<td>First aid</td><td>St John Ambulance</td><td>2099-06-30</td><td>valid</td>" in page
    assert "University of Leeds" in page


def test_change_page_shows_the_private_photo_through_the_checked_view(admin_client, technician):
    technician.profile_picture.save("nadia.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)

    page = admin_client.get(reverse("admin:technicians_technician_change", args=[technician.pk]))
    photo = admin_client.get(reverse("portal:photo", args=[technician.pk]))

    assert page.status_code == 200
    assert f'src="{reverse("portal:photo", args=[technician.pk])}"' in page.content.decode()
    assert photo.status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"is_verified__exact": "0"}, {"new"}),
        ({"is_active__exact": "0"}, {"suspended"}),
        ({"specialization__exact": "physiotherapist"}, {"physio"}),
        ({"q": "NMC-000001"}, {"nurse"}),
        ({"q": "Newcomer"}, {"new"}),
    ],
)
def test_changelist_filters_and_search(admin_client, technician, unverified_technician, area, params, expected):
    physio = TechnicianFactory(specialization="physiotherapist", areas=[area])
    suspended = TechnicianFactory(is_active=False, areas=[area])
    rows = {"nurse": technician, "new": unverified_technician, "physio": physio, "suspended": suspended}

    response = admin_client.get(CHANGELIST, params)

    assert {name for name, row in rows.items() if row in response.context["cl"].result_list} == expected


def _changelist_queries(client):
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


def test_changelist_queries_do_not_grow_with_the_rows(admin_client):
    area = ServiceAreaFactory()
    for _ in range(10):
        give_weekly_schedule(TechnicianFactory(areas=[area]))
    queries_10, shown_10 = _changelist_queries(admin_client)

    for index in range(90):
        TechnicianFactory(areas=[area], is_verified=index % 3 != 0)
    queries_100, shown_100 = _changelist_queries(admin_client)

    assert (shown_10, shown_100) == (10, 100)
    assert queries_10 == queries_100
    assert Technician.objects.count() == 100
