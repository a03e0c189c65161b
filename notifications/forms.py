from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import UserRole
from notifications.models import NotificationType

# The kinds each role can receive (see notifications.services), so nobody is offered a switch for
# e-mails they never get.
EMAIL_KINDS = {
    UserRole.PATIENT: [
        NotificationType.BOOKING,
        NotificationType.REMINDER,
        NotificationType.PAYMENT,
        NotificationType.RECORD,
        NotificationType.ANNOUNCEMENT,
    ],
    UserRole.TECHNICIAN: [
        NotificationType.BOOKING,
        NotificationType.REMINDER,
        NotificationType.PAYMENT,
        NotificationType.ACCOUNT,
        NotificationType.ANNOUNCEMENT,
    ],
    UserRole.ADMIN: [
        NotificationType.BOOKING,
        NotificationType.RECORD,
        NotificationType.ACCOUNT,
        NotificationType.ANNOUNCEMENT,
    ],
}

HELP = {
    NotificationType.BOOKING: _("Requests, confirmations, check-ins, completed and cancelled visits."),
    NotificationType.REMINDER: _("24 hours and 2 hours before each confirmed visit."),
    NotificationType.PAYMENT: _("Payment receipts and payouts."),
    NotificationType.RECORD: _("A link when a health record needs your attention (never its contents)."),
    NotificationType.ACCOUNT: _("Changes to your technician account."),
    NotificationType.ANNOUNCEMENT: _("News from the HomeCure team."),
}


# What administrators get of a kind differs from what patients and technicians get.
ADMIN_HELP = {
    NotificationType.BOOKING: _("Bookings that need a technician, and patients who were not at home."),
    NotificationType.RECORD: _("Health records with vitals outside the usual range (never the values)."),
    NotificationType.ACCOUNT: _("New technicians waiting for verification."),
}


class EmailPreferencesForm(forms.Form):
    """One checkbox per kind of notification the user can receive: ticked means "also by e-mail"."""

    def __init__(self, *args, user, current: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        help_texts = {**HELP, **ADMIN_HELP} if user.role == UserRole.ADMIN else HELP
        for kind in EMAIL_KINDS.get(user.role, []):
            self.fields[kind] = forms.BooleanField(
                label=NotificationType(kind).label,
                help_text=help_texts[kind],
                required=False,
                initial=current.get(kind, True),
            )
