from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Records")

    def ready(self):
        from accounts import signals as accounts
        from bookings.signals import booking_page_panels, booking_page_sources, job_page_panels
        from records import receivers

        job_page_panels.connect(receivers.job_page_panel, dispatch_uid="records.job_page_panel")
        booking_page_panels.connect(receivers.booking_page_panel, dispatch_uid="records.booking_page_panel")
        booking_page_sources.connect(receivers.booking_page_sources, dispatch_uid="records.booking_page_sources")
        accounts.personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="records.personal_data_requested"
        )
