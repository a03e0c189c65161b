"""The top of every form: the summary of what is wrong after a failed submit, and what the star means."""

from django import template
from django.forms import BaseForm, BaseFormSet

register = template.Library()


def _forms(item):
    """A form, or a formset's own errors and each of its forms, in page order."""
    if isinstance(item, BaseFormSet):
        yield item
        yield from item.forms
    elif isinstance(item, BaseForm):
        yield item


@register.inclusion_tag("includes/_form_errors.html")
def error_summary(forms, note=True):
    """`{% error_summary form %}`, or a formset, or a list of both for a page of several.

    Each error is listed with a link to its field, so that a screen reader user hears every problem
    at once and a keyboard user reaches the field in one step; the field says it again next to it.
    `note=False` leaves out the line on required fields where the page already shows it.
    """
    if isinstance(forms, (BaseForm, BaseFormSet)):
        forms = [forms]
    errors = []
    has_required = False
    for item in forms:
        for form in _forms(item):
            if isinstance(form, BaseFormSet):
                errors.extend({"message": message} for message in form.non_form_errors())
                continue
            errors.extend({"message": message} for message in form.non_field_errors())
            for field in form:
                if not field.is_hidden and field.field.required:
                    has_required = True
                link = "" if field.is_hidden or not field.id_for_label else f"#{field.id_for_label}"
                errors.extend({"label": field.label, "message": message, "link": link} for message in field.errors)
    return {"errors": errors, "required_note": note and has_required}
