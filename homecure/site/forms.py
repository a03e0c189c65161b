from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import phone_validator
from homecure.base.limits import limit_take
from homecure.models import Contact

# One address may send this many messages per hour; enough for a person, too few for a flood.
CONTACT_MESSAGES_PER_HOUR = 5
CONTACT_WINDOW_SECONDS = 60 * 60


class ContactForm(forms.ModelForm):
    """The public contact form; the sender's IP address bounds how many messages it accepts."""

    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "subject", "message"]
        labels = {"name": _("Your name"), "email": _("E-mail address"), "phone": _("Phone (optional)")}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "message": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, ip_address=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ip_address = ip_address
        self.fields["phone"].validators.append(phone_validator)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-6"), Column("email", css_class="col-md-6")),
            Row(Column("phone", css_class="col-md-6"), Column("subject", css_class="col-md-6")),
            "message",
        )

    def clean(self):
        """Counts a message that is otherwise fine against the sender's address (an atomic counter
        shared by every server, `homecure.base.limits`), so several servers cannot together let
        more through; a message with mistakes in its fields does not count."""
        cleaned_data = super().clean()
        if self.errors:
            return cleaned_data
        if not limit_take(
            "contact", self.ip_address or "", limit=CONTACT_MESSAGES_PER_HOUR, window=CONTACT_WINDOW_SECONDS
        ):
            raise forms.ValidationError(
                _("You have already sent several messages in the last hour. Please wait a while before writing again."),
                code="too_many_messages",
            )
        return cleaned_data
