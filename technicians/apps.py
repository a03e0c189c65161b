from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechniciansConfig(AppConfig):
    name = "technicians"
    verbose_name = _("Technicians")

    def ready(self):
        from accounts import signals as accounts
        from technicians import receivers

        accounts.email_confirmed.connect(receivers.email_confirmed, dispatch_uid="technicians.email_confirmed")
        accounts.personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="technicians.personal_data_requested"
        )
