"""Labels of choice fields read without building the field's choices anew on every call.

Django's `get_<field>_display()` makes a dict of the field's choices and translates the label for
every call (40 µs for a booking's status): lists call it once or twice a row. `ChoiceLabels` keeps
the labels of each field per language, translated once per process.
"""

from functools import cache

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@cache
def _labels(field, language: str | None) -> dict:
    # Made while `language` is the active one: the labels are translated into it.
    return {value: force_str(label, strings_only=True) for value, label in make_hashable(field.flatchoices)}


class ChoiceLabels:
    """Mixin for a model whose choice labels lists show row by row; put it before `models.Model`.
    Gives what Django's own `get_<field>_display()` gives: the label in the active language, or the
    value itself when it is not one of the choices."""

    # The name Django gives it: every `get_<field>_display()` of the model calls it.
    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(_labels(field, get_language()).get(make_hashable(value), value), strings_only=True)
