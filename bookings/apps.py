from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from accounts import signals as accounts
        from bookings import receivers

        accounts.personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="bookings.personal_data_requested"
        )
