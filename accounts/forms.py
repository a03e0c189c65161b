from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, SetPasswordMixin
from django.utils.translation import gettext_lazy as _

from accounts.models import User

PERSONAL_WIDGETS = {
    "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
    "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
    "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    "address": forms.Textarea(attrs={"autocomplete": "street-address", "rows": 3}),
}
PERSONAL_HELP = {
    "phone": _("The professional who visits you may call this number."),
    "address": _("Where visits usually take place; you can give another address for each booking."),
    "area": _("The district you live in."),
}


def _area_field(form, current=None):
    """Offer only active areas, plus the user's current one so that saving never drops it silently."""
    all_areas = form.fields["area"].queryset
    areas = all_areas.filter(is_active=True)
    if current is not None:
        areas = all_areas.filter(pk=current.pk) | areas
    form.fields["area"].queryset = areas.order_by("name")
    form.fields["area"].empty_label = _("Choose your area")


class BaseSignUpForm(SetPasswordMixin, forms.ModelForm):
    """What every public sign-up asks and checks: a name, an e-mail address and a password twice.

    A subclass adds its fields to `Meta.fields` and names them in `middle_fields`, shown between
    the e-mail address and the passwords; the services save.
    """

    password1, password2 = SetPasswordMixin.create_password_fields()
    required_fields: tuple[str, ...] = ("first_name", "last_name")
    middle_fields: tuple[str, ...] = ()

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email"]
        labels = {"email": _("E-mail address")}
        widgets = {**PERSONAL_WIDGETS, "email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self.fields[name].required = True
        self.fields["first_name"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("first_name", css_class="col-sm-6"), Column("last_name", css_class="col-sm-6")),
            "email",
            *self.middle_fields,
            "password1",
            "password2",
        )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def validate_unique(self):
        # Whether the address already has an account is not the form's to say: the sign-up answers
        # the same either way and tells the address's owner by e-mail (the sign-up services).
        pass

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def _post_clean(self):
        super()._post_clean()
        # The validators compare the password with the name and e-mail, so they run once the
        # instance holds them.
        self.validate_password_for_user(self.instance)


class SignUpForm(BaseSignUpForm):
    """A new patient account. Saving is done by `accounts.services.patient_sign_up`."""

    middle_fields = ("phone", "address", "area")

    class Meta(BaseSignUpForm.Meta):
        fields = [*BaseSignUpForm.Meta.fields, "phone", "address", "area"]
        labels = {**BaseSignUpForm.Meta.labels, "address": _("Home address"), "area": _("Area")}
        help_texts = PERSONAL_HELP

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _area_field(self)


class EmailLogInFields(forms.Form):
    """The two fields of every log-in form: the e-mail address, whatever its case, and the password.

    The address's length is checked by the field itself: Django's own log-in forms only set a
    maximum length on the widget, so a longer value would reach `authenticate()` and the log-in
    throttling's records.
    """

    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class LoginForm(EmailLogInFields, AuthenticationForm):
    """Log in with the e-mail address, whatever its case."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or password is not correct."),
    }


class BackOfficeLoginForm(EmailLogInFields, AdminAuthenticationForm):
    """The back office's log-in page: the same fields, for staff only."""


class ProfileForm(forms.ModelForm):
    """What a user may change about themselves: not their e-mail address or role."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "address", "area"]
        labels = {"address": _("Home address"), "area": _("Area")}
        widgets = PERSONAL_WIDGETS
        help_texts = PERSONAL_HELP

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        _area_field(self, current=self.instance.area)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("first_name", css_class="col-sm-6"), Column("last_name", css_class="col-sm-6")),
            "phone",
            "address",
            "area",
        )


class SecondFactorForm(forms.Form):
    """The log-in's second step: the code of the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class EnrolSecondFactorForm(forms.Form):
    """Enrolment's check that the authenticator app holds the secret: the code it shows now."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("The 6-digit code the app shows for HomeCure."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
