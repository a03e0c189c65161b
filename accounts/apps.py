from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from accounts import receivers, signals
        from accounts.middleware import mark_session_start, note_second_factor
        from accounts.models import User
        from accounts.user_cache import forget_saved_user

        post_save.connect(forget_saved_user, sender=User, dispatch_uid="accounts.forget_saved_user")
        post_delete.connect(forget_saved_user, sender=User, dispatch_uid="accounts.forget_deleted_user")
        user_logged_in.connect(mark_session_start, dispatch_uid="accounts.mark_session_start")
        user_logged_in.connect(note_second_factor, dispatch_uid="accounts.note_second_factor")
        signals.personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="accounts.personal_data_requested"
        )
