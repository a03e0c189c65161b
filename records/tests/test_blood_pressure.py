"""Blood pressure categories (2018 ESC/ESH office classification, hypotension below 90/60 mmHg) at
the edges of every band, and where people read them: the record page of the clinician and the patient."""

import re

import pytest

from records import receivers, vitals
from records.tests.factories import HealthRecordFactory
from records.vitals import classify_blood_pressure

# (systolic, diastolic, category key, words shown)
CATEGORIES = [
    (119, 79, "optimal", "Optimal"),
    (120, 79, "normal", "Normal"),
    (119, 80, "normal", "Normal"),
    (129, 84, "normal", "Normal"),
    (130, 84, "high_normal", "High normal"),
    (129, 85, "high_normal", "High normal"),
    (139, 89, "high_normal", "High normal"),
    (140, 90, "grade_1", "Grade 1 hypertension"),
    (139, 90, "grade_1", "Grade 1 hypertension"),
    (159, 99, "grade_1", "Grade 1 hypertension"),
    (160, 99, "grade_2", "Grade 2 hypertension"),
    (159, 100, "grade_2", "Grade 2 hypertension"),
    (168, 95, "grade_2", "Grade 2 hypertension"),
    (179, 109, "grade_2", "Grade 2 hypertension"),
    (180, 109, "grade_3", "Grade 3 hypertension"),
    (150, 110, "grade_3", "Grade 3 hypertension"),
    (120, 115, "grade_3", "Grade 3 hypertension"),
    # Systolic at 140 or more with diastolic below 90: graded by the systolic value.
    (140, 89, "isolated_systolic_1", "Isolated systolic hypertension, grade 1"),
    (168, 85, "isolated_systolic_2", "Isolated systolic hypertension, grade 2"),
    (185, 70, "isolated_systolic_3", "Isolated systolic hypertension, grade 3"),
    (150, 55, "isolated_systolic_1", "Isolated systolic hypertension, grade 1"),
    # Below 90 systolic or below 60 diastolic, with neither value in a hypertension grade.
    (89, 70, "hypotension", "Hypotension"),
    (90, 60, "optimal", "Optimal"),
    (110, 59, "hypotension", "Hypotension"),
    (85, 55, "hypotension", "Hypotension"),
    (135, 58, "hypotension", "Hypotension"),
]


@pytest.mark.parametrize(("systolic", "diastolic", "key", "label"), CATEGORIES)
def test_blood_pressure_takes_the_higher_category_of_its_two_values(systolic, diastolic, key, label):
    category = classify_blood_pressure(systolic, diastolic)

    assert (category.key, category.label) == (key, label)
    assert category.is_abnormal == (key not in ("optimal", "normal", "high_normal"))


def test_a_pair_is_needed_for_a_category():
    assert classify_blood_pressure(168, None) is None
    assert classify_blood_pressure(None, 95) is None
    assert vitals.blood_pressure({"heart_rate": 70}) is None


def test_the_category_is_not_a_news2_flag():
    # 168/95 is hypertension but no early-warning value: the stored flags stay NEWS2's.
    assert vitals.flags_for({"blood_pressure_systolic": 168, "blood_pressure_diastolic": 95}) == []


def _page(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["patient", "author"])
def test_the_record_page_names_the_category_and_its_scale(reader, patient, technician, finished_visit, client_for):
    stored = {"blood_pressure_systolic": 168, "blood_pressure_diastolic": 95}
    record = HealthRecordFactory(
        booking=finished_visit, created_by=technician.user, vitals=stored, vital_flags=vitals.flags_for(stored)
    )
    user = patient if reader == "patient" else technician.user

    page = _page(client_for(user).get(record.get_absolute_url()))

    assert "168/95 mmHg" in page
    assert "Grade 2 hypertension" in page
    assert "2018 ESC/ESH classification of office blood pressure" in page
    assert "In the usual range" not in page
    assert "No early warning (NEWS2)" in page


@pytest.mark.django_db
def test_the_printed_record_names_the_category(patient, finished_visit, client_for):
    stored = {"blood_pressure_systolic": 84, "blood_pressure_diastolic": 52}
    record = HealthRecordFactory(booking=finished_visit, vitals=stored, vital_flags=vitals.flags_for(stored))

    page = _page(client_for(patient).get(f"{record.get_absolute_url()}print/"))

    assert "84/52 mmHg" in page and "Hypotension" in page


@pytest.mark.django_db
def test_the_data_download_names_the_category(patient, record):
    (exported,) = receivers._health_records(patient)

    assert exported["blood_pressure"] == {
        "value": "128/82 mmHg",
        "category": "normal",
        "name": "Normal",
        "scale": "2018 ESC/ESH classification of office blood pressure; hypotension below 90/60 mmHg",
    }
