"""Vital signs: their units, the values a person can have, and the usual adult bands.

A value outside `minimum`..`maximum` cannot be real (a typo, a wrong unit) and is refused with the
allowed range in the message. A value inside that range but outside `usual_low`..`usual_high` is
saved and flagged on the record. The bands follow the NEWS2 early-warning score: SpO2 below 92 %,
systolic pressure at or below 90 or at or above 220 mmHg, heart rate at or below 40 or at or above
131 /min, temperature at or below 35.0 or at or above 39.1 °C, respiratory rate at or below 8 or at
or above 25 /min. Blood glucose is flagged below 70 mg/dL (hypoglycaemia) and above 250 mg/dL (the
level at which ketoacidosis is checked for); weight, height and diastolic pressure are not flagged.

Vitals are stored on `HealthRecord.vitals` as JSON numbers keyed by `Vital.key`, and the flags on
`HealthRecord.vital_flags` as `{"vital": key, "level": "low" | "high"}`: the words shown to people
are built when shown, in their language, from this table.

Blood pressure is also put in a category of a clinical scale (`classify_blood_pressure`): the NEWS2
flag above only catches the extremes a deteriorating patient shows, while a clinician reading
168/95 mmHg expects to see "Grade 2 hypertension". The category is worked out when shown, from the
stored pair, and is not a flag: the flags stay NEWS2's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LOW = "low"
HIGH = "high"


@dataclass(frozen=True)
class Vital:
    key: str
    label: str
    unit: str
    minimum: Decimal
    maximum: Decimal
    decimal_places: int = 0
    usual_low: Decimal | None = None
    usual_high: Decimal | None = None

    def format(self, value) -> str:
        """`36.8` -> "36.8", `72` -> "72", in the active locale's number format."""
        return number_format(Decimal(str(value)), decimal_pos=self.decimal_places)

    def range_error(self, value: Decimal) -> str | None:
        """The message for an impossible value, or None when the value can be real."""
        if self.minimum <= value <= self.maximum:
            return None
        return _("Enter a value from %(minimum)s to %(maximum)s %(unit)s.") % {
            "minimum": self.format(self.minimum),
            "maximum": self.format(self.maximum),
            "unit": self.unit,
        }

    def level(self, value: Decimal) -> str | None:
        """ "low" or "high" when the value is outside the usual adult band, else None."""
        if self.usual_low is not None and value < self.usual_low:
            return LOW
        if self.usual_high is not None and value > self.usual_high:
            return HIGH
        return None

    def usual_band(self) -> str:
        if self.usual_low is not None and self.usual_high is not None:
            return f"{self.format(self.usual_low)}-{self.format(self.usual_high)} {self.unit}"
        if self.usual_low is not None:
            return _("%(value)s %(unit)s or more") % {"value": self.format(self.usual_low), "unit": self.unit}
        return _("up to %(value)s %(unit)s") % {"value": self.format(self.usual_high), "unit": self.unit}


def _d(value: str) -> Decimal:
    return Decimal(value)


VITALS: dict[str, Vital] = {
    vital.key: vital
    for vital in (
        Vital(
            "blood_pressure_systolic",
            gettext_lazy("Blood pressure, systolic"),
            "mmHg",
            _d("40"),
            _d("300"),
            usual_low=_d("91"),
            usual_high=_d("219"),
        ),
        Vital("blood_pressure_diastolic", gettext_lazy("Blood pressure, diastolic"), "mmHg", _d("20"), _d("200")),
        Vital(
            "heart_rate",
            gettext_lazy("Heart rate"),
            "/min",
            _d("20"),
            _d("300"),
            usual_low=_d("41"),
            usual_high=_d("130"),
        ),
        Vital(
            "respiratory_rate",
            gettext_lazy("Respiratory rate"),
            "/min",
            _d("4"),
            _d("60"),
            usual_low=_d("9"),
            usual_high=_d("24"),
        ),
        Vital("oxygen_saturation", gettext_lazy("SpO2"), "%", _d("50"), _d("100"), usual_low=_d("92")),
        Vital(
            "temperature",
            gettext_lazy("Temperature"),
            "°C",
            _d("30.0"),
            _d("45.0"),
            decimal_places=1,
            usual_low=_d("35.1"),
            usual_high=_d("39.0"),
        ),
        Vital("weight", gettext_lazy("Weight"), "kg", _d("0.3"), _d("500.0"), decimal_places=1),
        Vital("height", gettext_lazy("Height"), "cm", _d("30.0"), _d("250.0"), decimal_places=1),
        Vital(
            "blood_glucose",
            gettext_lazy("Blood glucose"),
            "mg/dL",
            _d("10"),
            _d("1000"),
            usual_low=_d("70"),
            usual_high=_d("250"),
        ),
    )
}


def as_decimal(value) -> Decimal | None:
    """A stored vital (JSON number or numeric string) as a Decimal; None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def to_json(values: dict[str, Decimal | None]) -> dict[str, int | float]:
    """Validated form values -> the JSON stored on the record (numbers, empty values left out)."""
    stored = {}
    for key, vital in VITALS.items():
        value = values.get(key)
        if value is None:
            continue
        stored[key] = int(value) if vital.decimal_places == 0 else float(round(value, vital.decimal_places))
    return stored


def flags_for(vitals: dict) -> list[dict[str, str]]:
    """The flags of stored vitals, in the table's order: `[{"vital": key, "level": "low"}]`."""
    flags = []
    for key, vital in VITALS.items():
        value = as_decimal(vitals.get(key))
        level = vital.level(value) if value is not None else None
        if level:
            flags.append({"vital": key, "level": level})
    return flags


@dataclass(frozen=True)
class Reading:
    """One vital as a page shows it: "SpO2 · 88 % · low (usual 92 % or more)"."""

    vital: Vital
    value: Decimal
    level: str | None

    @property
    def label(self) -> str:
        return str(self.vital.label)

    @property
    def display_value(self) -> str:
        return f"{self.vital.format(self.value)} {self.vital.unit}"

    @property
    def is_blood_pressure(self) -> bool:
        return self.vital.key in (SYSTOLIC, DIASTOLIC)

    @property
    def flag_text(self) -> str:
        if self.level is None:
            return ""
        if self.level == LOW:
            return _("Low (usual %(band)s)") % {"band": self.vital.usual_band()}
        return _("High (usual %(band)s)") % {"band": self.vital.usual_band()}


def readings(vitals: dict, flags: list[dict]) -> list[Reading]:
    """The record's vitals in the table's order, each with the flag saved on the record."""
    levels = {flag.get("vital"): flag.get("level") for flag in flags}
    result = []
    for key, vital in VITALS.items():
        value = as_decimal(vitals.get(key))
        if value is not None:
            result.append(Reading(vital, value, levels.get(key)))
    return result


def flag_details(flags: list[dict], vitals: dict) -> list[dict[str, str]]:
    """Flags as receivers of `vital_flagged` get them: vital key, label, value, unit and reason."""
    return [
        {
            "vital": reading.vital.key,
            "label": reading.label,
            "value": reading.vital.format(reading.value),
            "unit": reading.vital.unit,
            "reason": reading.flag_text,
        }
        for reading in readings(vitals, flags)
        if reading.level
    ]


# --- Blood pressure categories ---------------------------------------------------------------------------------

SYSTOLIC = "blood_pressure_systolic"
DIASTOLIC = "blood_pressure_diastolic"

#: The scale named on every page that shows a category.
BLOOD_PRESSURE_SCALE = gettext_lazy(
    "2018 ESC/ESH classification of office blood pressure; hypotension below 90/60 mmHg"
)

# The 2018 ESC/ESH Guidelines for the management of arterial hypertension (Williams et al., Eur Heart J
# 2018;39:3021-3104), Table 3 "Classification of office blood pressure and definitions of hypertension
# grade": the lowest systolic and diastolic value (mmHg) of each category, highest category first. A
# pair takes the higher of its two categories ("and/or" in the table).
_OPTIMAL, _NORMAL, _HIGH_NORMAL, _GRADE_1, _GRADE_2, _GRADE_3 = range(6)
_SYSTOLIC_FROM = ((180, _GRADE_3), (160, _GRADE_2), (140, _GRADE_1), (130, _HIGH_NORMAL), (120, _NORMAL))
_DIASTOLIC_FROM = ((110, _GRADE_3), (100, _GRADE_2), (90, _GRADE_1), (85, _HIGH_NORMAL), (80, _NORMAL))

# Hypotension is not in the ESC/ESH table: the usual adult definition, below 90 mmHg systolic or below
# 60 mmHg diastolic. A pair in a hypertension grade stays there (150/55 mmHg is isolated systolic
# hypertension, a wide pulse pressure, not hypotension).
HYPOTENSION_SYSTOLIC_BELOW = 90
HYPOTENSION_DIASTOLIC_BELOW = 60

NORMAL = "normal"


@dataclass(frozen=True)
class BloodPressureCategory:
    """A category of the scale: `key` for code and tests, `label` in the words clinicians use, and
    `level` ("high", "low" or "normal") for how the page marks it."""

    key: str
    label: str
    level: str

    @property
    def is_abnormal(self) -> bool:
        return self.level != NORMAL


_CATEGORIES = {
    _OPTIMAL: ("optimal", gettext_lazy("Optimal"), NORMAL),
    _NORMAL: ("normal", gettext_lazy("Normal"), NORMAL),
    _HIGH_NORMAL: ("high_normal", gettext_lazy("High normal"), NORMAL),
    _GRADE_1: ("grade_1", gettext_lazy("Grade 1 hypertension"), HIGH),
    _GRADE_2: ("grade_2", gettext_lazy("Grade 2 hypertension"), HIGH),
    _GRADE_3: ("grade_3", gettext_lazy("Grade 3 hypertension"), HIGH),
}
# Systolic at 140 or more with diastolic below 90: the table's own row, graded 1, 2 or 3 by the
# systolic value alone (its footnote).
_ISOLATED_SYSTOLIC = {
    _GRADE_1: ("isolated_systolic_1", gettext_lazy("Isolated systolic hypertension, grade 1"), HIGH),
    _GRADE_2: ("isolated_systolic_2", gettext_lazy("Isolated systolic hypertension, grade 2"), HIGH),
    _GRADE_3: ("isolated_systolic_3", gettext_lazy("Isolated systolic hypertension, grade 3"), HIGH),
}
_HYPOTENSION = ("hypotension", gettext_lazy("Hypotension"), LOW)


def _rank(value: Decimal, table) -> int:
    return next((rank for lowest, rank in table if value >= lowest), _OPTIMAL)


def classify_blood_pressure(systolic, diastolic) -> BloodPressureCategory | None:
    """The category of a systolic/diastolic pair (mmHg) on `BLOOD_PRESSURE_SCALE`; None unless both are given.

    >>> classify_blood_pressure(168, 95).label
    'Grade 2 hypertension'
    """
    systolic, diastolic = as_decimal(systolic), as_decimal(diastolic)
    if systolic is None or diastolic is None:
        return None
    systolic_rank = _rank(systolic, _SYSTOLIC_FROM)
    rank = max(systolic_rank, _rank(diastolic, _DIASTOLIC_FROM))
    if rank >= _GRADE_1 and diastolic < 90:
        key, label, level = _ISOLATED_SYSTOLIC[systolic_rank]
    elif rank < _GRADE_1 and (systolic < HYPOTENSION_SYSTOLIC_BELOW or diastolic < HYPOTENSION_DIASTOLIC_BELOW):
        key, label, level = _HYPOTENSION
    else:
        key, label, level = _CATEGORIES[rank]
    return BloodPressureCategory(key, str(label), level)


@dataclass(frozen=True)
class BloodPressure:
    """A record's blood pressure as a page shows it: "168/95 mmHg · Grade 2 hypertension"."""

    systolic: Decimal
    diastolic: Decimal
    category: BloodPressureCategory

    @property
    def display_value(self) -> str:
        return f"{VITALS[SYSTOLIC].format(self.systolic)}/{VITALS[DIASTOLIC].format(self.diastolic)} mmHg"

    @property
    def scale(self) -> str:
        return str(BLOOD_PRESSURE_SCALE)


def blood_pressure(vitals: dict) -> BloodPressure | None:
    """The stored pair with its category, or None when the record lacks either value."""
    systolic, diastolic = as_decimal(vitals.get(SYSTOLIC)), as_decimal(vitals.get(DIASTOLIC))
    category = classify_blood_pressure(systolic, diastolic)
    return BloodPressure(systolic, diastolic, category) if category else None
