"""Vital signs: each hard limit just inside and just outside, each flag band at its edges."""

from decimal import Decimal

import pytest

from records.forms import VitalsForm
from records.vitals import VITALS, flags_for, readings, to_json

# (vital, just inside, just outside, message for the outside value), at both ends of each range.
LIMITS = [
    ("blood_pressure_systolic", "40", "39", "Enter a value from 40 to 300 mmHg."),
    ("blood_pressure_systolic", "300", "301", "Enter a value from 40 to 300 mmHg."),
    ("blood_pressure_diastolic", "20", "19", "Enter a value from 20 to 200 mmHg."),
    ("blood_pressure_diastolic", "200", "201", "Enter a value from 20 to 200 mmHg."),
    ("heart_rate", "20", "19", "Enter a value from 20 to 300 /min."),
    ("heart_rate", "300", "301", "Enter a value from 20 to 300 /min."),
    ("respiratory_rate", "4", "3", "Enter a value from 4 to 60 /min."),
    ("respiratory_rate", "60", "61", "Enter a value from 4 to 60 /min."),
    ("oxygen_saturation", "50", "49", "Enter a value from 50 to 100 %."),
    ("oxygen_saturation", "100", "101", "Enter a value from 50 to 100 %."),
    ("temperature", "30.0", "29.9", "Enter a value from 30.0 to 45.0 °C."),
    ("temperature", "45.0", "45.1", "Enter a value from 30.0 to 45.0 °C."),
    ("weight", "0.3", "0.2", "Enter a value from 0.3 to 500.0 kg."),
    ("weight", "500.0", "500.1", "Enter a value from 0.3 to 500.0 kg."),
    ("height", "30.0", "29.9", "Enter a value from 30.0 to 250.0 cm."),
    ("height", "250.0", "250.1", "Enter a value from 30.0 to 250.0 cm."),
    ("blood_glucose", "10", "9", "Enter a value from 10 to 1000 mg/dL."),
    ("blood_glucose", "1000", "1001", "Enter a value from 10 to 1000 mg/dL."),
]


def _form(values):
    data = {f"vitals-{key}": value for key, value in values.items()}
    return VitalsForm(data, prefix="vitals")


@pytest.mark.parametrize(("vital", "inside", "outside", "message"), LIMITS)
def test_value_just_inside_the_limit_is_accepted(vital, inside, outside, message):
    # A blood pressure is a pair: each limit is tried with a partner that is valid beside it.
    values = {vital: inside}
    if vital == "blood_pressure_systolic":
        values["blood_pressure_diastolic"] = "20"
    if vital == "blood_pressure_diastolic":
        values["blood_pressure_systolic"] = "300"
    form = _form(values)

    assert form.is_valid(), form.errors
    assert form.stored()[vital] == pytest.approx(float(inside))


@pytest.mark.parametrize(("vital", "inside", "outside", "message"), LIMITS)
def test_value_just_outside_the_limit_is_refused_with_the_range(vital, inside, outside, message):
    values = {vital: outside}
    if vital == "blood_pressure_systolic":
        values["blood_pressure_diastolic"] = "30"
    if vital == "blood_pressure_diastolic":
        values["blood_pressure_systolic"] = "250"
    form = _form(values)

    assert not form.is_valid()
    assert form.errors[vital] == [message]


def test_diastolic_must_be_below_systolic():
    equal = _form({"blood_pressure_systolic": "120", "blood_pressure_diastolic": "120"})
    below = _form({"blood_pressure_systolic": "120", "blood_pressure_diastolic": "119"})

    assert not equal.is_valid()
    assert equal.errors["blood_pressure_diastolic"] == ["The diastolic pressure must be below the systolic."]
    assert below.is_valid()


def test_blood_pressure_needs_both_numbers():
    only_systolic = _form({"blood_pressure_systolic": "120"})
    only_diastolic = _form({"blood_pressure_diastolic": "80"})

    assert only_systolic.errors["blood_pressure_diastolic"] == ["Enter the diastolic pressure too."]
    assert only_diastolic.errors["blood_pressure_systolic"] == ["Enter the systolic pressure too."]


@pytest.mark.parametrize(
    ("vital", "value", "message"),
    [
        ("heart_rate", "72.5", "Enter a whole number."),
        ("temperature", "36.85", "Enter at most one decimal place."),
        ("oxygen_saturation", "ninety", "Enter a number."),
    ],
)
def test_badly_written_numbers_are_explained(vital, value, message):
    form = _form({vital: value})

    assert form.errors[vital] == [message]


def test_every_vital_is_optional_and_empty_ones_are_not_stored():
    form = _form({"heart_rate": "72", "temperature": ""})

    assert form.is_valid()
    assert form.stored() == {"heart_rate": 72}


def test_stored_vitals_are_json_numbers():
    stored = to_json({"heart_rate": Decimal("72"), "temperature": Decimal("36.8"), "weight": Decimal("70.25")})

    assert stored == {"heart_rate": 72, "temperature": 36.8, "weight": 70.2}


def test_form_labels_carry_the_unit():
    form = VitalsForm()

    assert form.fields["oxygen_saturation"].label == "SpO2 (%)"
    assert form.fields["temperature"].label == "Temperature (°C)"
    assert form.fields["blood_glucose"].label == "Blood glucose (mg/dL)"
    assert set(form.fields) == set(VITALS)


# (vital, last value not flagged, first value flagged, level) at each edge of each usual band.
BANDS = [
    ("oxygen_saturation", 92, 91, "low"),
    ("blood_pressure_systolic", 91, 90, "low"),
    ("blood_pressure_systolic", 219, 220, "high"),
    ("heart_rate", 41, 40, "low"),
    ("heart_rate", 130, 131, "high"),
    ("temperature", 35.1, 35.0, "low"),
    ("temperature", 39.0, 39.1, "high"),
    ("respiratory_rate", 9, 8, "low"),
    ("respiratory_rate", 24, 25, "high"),
    ("blood_glucose", 70, 69, "low"),
    ("blood_glucose", 250, 251, "high"),
]


@pytest.mark.parametrize(("vital", "usual", "flagged", "level"), BANDS)
def test_flag_bands(vital, usual, flagged, level):
    assert flags_for({vital: usual}) == []
    assert flags_for({vital: flagged}) == [{"vital": vital, "level": level}]


@pytest.mark.parametrize("vital", ["blood_pressure_diastolic", "weight", "height"])
def test_vitals_without_a_band_are_never_flagged(vital):
    assert flags_for({vital: VITALS[vital].minimum}) == []
    assert flags_for({vital: VITALS[vital].maximum}) == []


def test_flags_follow_the_table_order_and_read_stored_strings():
    flags = flags_for({"temperature": "39.5", "oxygen_saturation": 88, "heart_rate": 72})

    assert flags == [{"vital": "oxygen_saturation", "level": "low"}, {"vital": "temperature", "level": "high"}]


def test_a_flagged_reading_says_why_in_words():
    (reading,) = readings({"oxygen_saturation": 88}, [{"vital": "oxygen_saturation", "level": "low"}])

    assert (reading.label, reading.display_value) == ("SpO2", "88 %")
    assert reading.flag_text == "Low (usual 92 % or more)"


def test_a_reading_in_range_has_no_flag_text():
    (reading,) = readings({"temperature": 36.8}, [])

    assert reading.display_value == "36.8 °C"
    assert reading.flag_text == ""
