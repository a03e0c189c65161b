"""A technician writes a visit's health record in the browser; the patient reads it and sees who did.

The technician opens the record form from the portal's job page, records vitals with one value
outside the usual range, adds a medication row and a PDF, and saves. The patient opens the record,
sees the flag in words, downloads the document, and finds the technician in "Who viewed my records".
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings.tests.factories import BookingFactory
from records.models import HealthRecord, RecordAccess
from records.tests.factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_technician_records_a_visit_and_the_patient_reads_it(
    page, live_server, screenshot, failed_responses, patient, technician, service, area, tmp_path
):
    visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(minutes=20),
        in_progress=True,
    )
    report = tmp_path / "blood-test.pdf"
    report.write_bytes(PDF_BYTES)

    log_in(page, live_server, technician.user)
    page.goto(live_server.url + reverse("portal:job", args=[visit.reference]))
    page.get_by_role("link", name="Write the health record").click()
    expect(page.get_by_role("heading", name="Write a health record")).to_be_visible()
    page.get_by_label("Type of record").select_option(label="Check-up")
    page.get_by_label("Diagnosis or findings").fill("Mild chest infection; oxygen saturation low on room air.")
    page.get_by_label("Treatment given").fill("Antibiotic started; GP informed.")
    page.get_by_label("Blood pressure, systolic (mmHg)").fill("118")
    page.get_by_label("Blood pressure, diastolic (mmHg)").fill("76")
    page.get_by_label("Heart rate (/min)").fill("88")
    page.get_by_label("SpO2 (%)").fill("89")
    page.get_by_label("Temperature (°C)").fill("37.9")
    page.get_by_label("Medication", exact=True).fill("Amoxicillin")
    page.get_by_label("Dose", exact=True).fill("500 mg")
    page.get_by_label("How often", exact=True).fill("3 times a day")
    page.get_by_role("button", name="Add a medication").click()
    page.get_by_label("Medication", exact=True).nth(1).fill("Paracetamol")
    page.get_by_label("Attach files").set_input_files(str(report))
    page.get_by_role("radio", name="No").check()
    screenshot("technician-fills-the-record")
    page.get_by_role("button", name="Save record").click()

    expect(page.get_by_text("The health record is saved.")).to_be_visible()
    expect(page.get_by_text("Low (usual 92 % or more)")).to_be_visible()
    screenshot("technician-sees-the-saved-record")
    record = HealthRecord.objects.get(booking=visit)
    assert record.vital_flags == [{"vital": "oxygen_saturation", "level": "low"}]
    assert [medication["name"] for medication in record.medications] == ["Amoxicillin", "Paracetamol"]
    assert record.documents.get().original_name == "blood-test.pdf"

    page.context.clear_cookies()
    log_in(page, live_server, patient)
    page.get_by_role("link", name="My health records").click()
    expect(page.get_by_role("heading", name="My health records")).to_be_visible()
    expect(page.get_by_text("Flagged vital signs")).to_be_visible()
    screenshot("patient-records-list")
    page.get_by_role("link", name=re.compile("^Check-up")).click()
    vitals = page.get_by_role("table").first
    spo2 = vitals.get_by_role("row", name=re.compile("SpO2"))
    expect(spo2).to_contain_text("89 %")
    expect(spo2).to_contain_text("Flagged")
    expect(spo2).to_contain_text("Low (usual 92 % or more)")
    expect(page.get_by_text("Amoxicillin")).to_be_visible()
    screenshot("patient-reads-the-record")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download blood-test.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "blood-test.pdf"
    assert Path(download.path()).read_bytes() == PDF_BYTES

    page.get_by_role("link", name="Printable version").click()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot("printable-record")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_text("Low (usual 92 % or more)")).to_be_visible()
    screenshot("printed-record")
    page.emulate_media(media="screen")

    page.goto(live_server.url + reverse("records:list"))
    page.get_by_role("link", name="Who viewed my records").click()
    row = page.get_by_role("row", name=re.compile("Nadia Nurse"))
    expect(row.first).to_contain_text("Wrote the record")
    expect(row.first).to_contain_text("Viewed the record")
    screenshot("who-viewed-my-records")
    assert not RecordAccess.objects.filter(reader=patient).exists()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + record.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("phone-record")

    assert failed_responses == []
