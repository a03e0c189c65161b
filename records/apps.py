from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Records")

    def ready(self):
        from accounts import signals as accounts
        from records import receivers

        accounts.personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="records.personal_data_requested"
        )
