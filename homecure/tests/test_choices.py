"""`ChoiceLabels`: the labels lists show row by row are Django's own, read from a dict kept per field."""

import pytest
from django.apps import apps
from django.db import models

from homecure.base.choices import ChoiceLabels

MODELS = [model for model in apps.get_models() if issubclass(model, ChoiceLabels)]
CHOICE_FIELDS = [
    pytest.param(model, field, id=f"{model._meta.label}.{field.name}")
    for model in MODELS
    for field in model._meta.concrete_fields
    if field.choices
]


def test_the_models_whose_lists_show_labels_row_by_row_have_them():
    names = {model._meta.label for model in MODELS}
    assert {"bookings.Booking", "bookings.Payment", "earnings.TechnicianEarnings", "records.HealthRecord"} <= names


@pytest.mark.parametrize(("model", "field"), CHOICE_FIELDS)
def test_each_label_is_read_through_the_kept_choices(model, field):
    # Django binds `get_<field>_display` to the model's `_get_FIELD_display` when the class is made.
    assert model.__dict__[f"get_{field.name}_display"].func is ChoiceLabels._get_FIELD_display


@pytest.mark.parametrize(("model", "field"), CHOICE_FIELDS)
def test_every_label_is_the_one_django_gives(model, field):
    instance = model()
    for value in [*(value for value, _label in field.flatchoices), "not-a-choice"]:
        setattr(instance, field.attname, value)
        label = getattr(instance, f"get_{field.name}_display")()
        assert label == models.Model._get_FIELD_display(instance, field)
        assert type(label) is str
