import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from records.documents import MAX_DOCUMENT_BYTES, check_upload, clean_name
from records.forms import DocumentsForm, LabResultFormSet, MedicationFormSet, RecordForm
from records.tests.factories import PDF_BYTES

# The record form checks the model's constraints, which asks the database.
pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


def _record_form(**overrides):
    data = {
        "record_type": "checkup",
        "record_date": "2026-03-10",
        "diagnosis": "Mild dehydration.",
        "treatment": "Oral fluids.",
        "provider_name": "Nadia Nurse",
        "provider_notes": "",
        "follow_up_required": "no",
        "follow_up_date": "",
    }
    data.update(overrides)
    return RecordForm(data, today=TODAY)


def test_follow_up_answer_is_required():
    form = _record_form(follow_up_required="")

    assert form.errors["follow_up_required"] == ["Say whether a follow-up is needed."]


def test_follow_up_needs_a_date():
    form = _record_form(follow_up_required="yes", follow_up_date="")

    assert form.errors == {"follow_up_date": ["Enter the follow-up date."]}


def test_follow_up_date_cannot_be_in_the_past():
    form = _record_form(follow_up_required="yes", follow_up_date="2026-03-09")

    assert form.errors == {"follow_up_date": ["The follow-up date cannot be in the past."]}


@pytest.mark.parametrize("follow_up", ["2026-03-10", "2026-04-01"])
def test_follow_up_today_or_later_is_kept(follow_up):
    form = _record_form(follow_up_required="yes", follow_up_date=follow_up)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["follow_up_required"] is True
    assert form.cleaned_data["follow_up_date"] == date.fromisoformat(follow_up)


def test_no_follow_up_drops_a_date_given_anyway():
    form = _record_form(follow_up_required="no", follow_up_date="2026-04-01")

    assert form.is_valid()
    assert (form.cleaned_data["follow_up_required"], form.cleaned_data["follow_up_date"]) == (False, None)


def test_visit_date_cannot_be_in_the_future():
    form = _record_form(record_date="2026-03-11")

    assert form.errors == {"record_date": ["The date of the visit cannot be in the future."]}


def test_record_type_must_be_chosen():
    form = _record_form(record_type="")

    assert "record_type" in form.errors


def _formset(formset_class, prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return formset_class(data, prefix=prefix)


def test_medication_rows_skip_empty_ones():
    formset = _formset(
        MedicationFormSet,
        "medications",
        [
            {"name": "Paracetamol", "dose": "500 mg", "frequency": "4 times a day"},
            {"name": "", "dose": "", "frequency": ""},
            {"name": " Ibuprofen ", "dose": "", "frequency": ""},
        ],
    )

    assert formset.is_valid()
    assert formset.rows() == [
        {"name": "Paracetamol", "dose": "500 mg", "frequency": "4 times a day"},
        {"name": "Ibuprofen", "dose": "", "frequency": ""},
    ]


def test_a_medication_row_needs_its_name():
    formset = _formset(MedicationFormSet, "medications", [{"name": "", "dose": "500 mg", "frequency": ""}])

    assert not formset.is_valid()
    assert formset.errors[0] == {"name": ["Enter the medication's name."]}


def test_a_lab_row_needs_test_and_result():
    formset = _formset(LabResultFormSet, "labs", [{"test": "", "value": "", "unit": "mmol/L", "reference_range": ""}])

    assert not formset.is_valid()
    assert formset.errors[0] == {"test": ["Enter the test's name."], "value": ["Enter the result."]}


def test_too_many_rows_are_refused():
    rows = [{"name": f"Drug {n}", "dose": "", "frequency": ""} for n in range(31)]

    formset = _formset(MedicationFormSet, "medications", rows)

    assert not formset.is_valid()


def _png_bytes(image_format="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("scan.pdf", PDF_BYTES, "application/pdf"),
        ("photo.png", _png_bytes("PNG"), "image/png"),
        ("photo.jpg", _png_bytes("JPEG"), "image/jpeg"),
        # The type comes from the content: a PNG with a .pdf name is a PNG.
        ("misnamed.pdf", _png_bytes("PNG"), "image/png"),
    ],
)
def test_documents_are_typed_by_their_content(name, content, content_type):
    assert check_upload(SimpleUploadedFile(name, content, content_type="text/plain")) == content_type


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("results.pdf", b"<!doctype html><script>alert(1)</script>"),
        ("results.png", b"\x89PNG\r\n\x1a\n not really a picture"),
        ("results.jpg", b"\xff\xd8\xff\xe0 truncated"),
        ("notes.txt", b"plain text"),
        ("image.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ],
)
def test_files_that_are_not_pdf_jpeg_or_png_are_refused(name, content):
    form = DocumentsForm(files={"documents": [SimpleUploadedFile(name, content, content_type="application/pdf")]})

    assert not form.is_valid()
    assert form.errors["documents"] == [
        f"{name} is not a PDF, JPEG or PNG file. Upload a PDF document or a JPEG or PNG picture."
    ]


def test_a_document_of_exactly_ten_megabytes_is_accepted():
    content = PDF_BYTES + b"0" * (MAX_DOCUMENT_BYTES - len(PDF_BYTES))

    form = DocumentsForm(files={"documents": [SimpleUploadedFile("big.pdf", content)]})

    assert form.is_valid(), form.errors


def test_a_document_over_ten_megabytes_is_refused():
    content = PDF_BYTES + b"0" * (MAX_DOCUMENT_BYTES - len(PDF_BYTES) + 1)

    form = DocumentsForm(files={"documents": [SimpleUploadedFile("huge.pdf", content)]})

    assert form.errors["documents"] == ["huge.pdf is 10.0\xa0MB; a document may be at most 10.0\xa0MB."]


def test_each_bad_file_is_named_and_good_ones_are_not_blamed():
    files = [
        SimpleUploadedFile("good.pdf", PDF_BYTES),
        SimpleUploadedFile("page.pdf", b"<html></html>"),
        SimpleUploadedFile("empty.pdf", b""),
    ]

    form = DocumentsForm(files={"documents": files})

    assert form.errors["documents"] == [
        "page.pdf is not a PDF, JPEG or PNG file. Upload a PDF document or a JPEG or PNG picture.",
        "empty.pdf is empty.",
    ]


def test_no_documents_is_fine():
    form = DocumentsForm(files={})

    assert form.is_valid()
    assert form.cleaned_data["documents"] == []


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\scans\\knee.png", "knee.png"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("", "document"),
    ],
)
def test_file_names_are_shown_without_folders_or_control_characters(given, shown):
    assert clean_name(given) == shown
