"""Labels of choice fields read without building the field's choices anew on every call.

Django's `get_<field>_display()` makes a dict of the field's choices for every call (40 µs for a
booking's status): lists call it once or twice a row. `ChoiceLabels` keeps that dict per field, built
once per process. The labels in it stay lazy, so each call still gives the active language's.
"""

from functools import cache

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field) -> dict:
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels:
    """Mixin for a model whose choice labels lists show row by row; put it before `models.Model`.
    Gives what Django's own `get_<field>_display()` gives: the label, or the value itself when it is
    not one of the choices."""

    # The name Django gives it: every `get_<field>_display()` of the model calls it.
    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
