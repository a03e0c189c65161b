"""The error summary at the top of every form: each error once, linked to its field when it has one."""

from django import forms
from django.template import Context, Template

SUMMARY = Template("{% load form_tags %}{% error_summary forms %}")


class VisitForm(forms.Form):
    name = forms.CharField(label="Your name")
    note = forms.CharField(label="Note", required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Something is wrong with the whole form.")


class RowForm(forms.Form):
    until = forms.TimeField(label="Until")


class RowFormSet(forms.BaseFormSet):
    def clean(self):
        raise forms.ValidationError("Too many rows.")


def render(forms_):
    return SUMMARY.render(Context({"forms": forms_}))


def test_every_error_is_listed_and_field_errors_link_to_their_field():
    form = VisitForm(data={"name": "", "token": ""})

    html = render(form)

    assert 'role="alert"' in html
    assert "There are 3 problems with what you entered:" in html
    assert "<li>Something is wrong with the whole form.</li>" in html
    assert '<a class="alert-link" href="#id_name">Your name: This field is required.</a>' in html
    # A hidden field cannot take focus: its error is listed without a link.
    assert "<li>Token: This field is required.</li>" in html
    assert "Fields marked * are required." in html


def test_a_formset_lists_its_own_errors_and_each_rows_with_the_rows_field_ids():
    formset = forms.formset_factory(RowForm, formset=RowFormSet, extra=0)(
        data={"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-0-until": "12:00", "form-1-until": "noon"}
    )

    html = render([formset])

    assert "<li>Too many rows.</li>" in html
    assert '<a class="alert-link" href="#id_form-1-until">Until: Enter a valid time.</a>' in html
    assert "There are 2 problems" in html


def test_a_valid_form_shows_no_summary_and_only_optional_fields_need_no_note():
    class NoteForm(forms.Form):
        note = forms.CharField(required=False)

    assert render(NoteForm(data={"note": "fine"})).strip() == ""
    assert "Fields marked * are required." in render(RowForm())
