from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts import receivers, signals
        from accounts.middleware import mark_session_start, note_second_factor

        user_logged_in.connect(mark_session_start, dispatch_uid="accounts.mark_session_start")
        user_logged_in.connect(note_second_factor, dispatch_uid="accounts.note_second_factor")
        signals.personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="accounts.personal_data_requested"
        )
