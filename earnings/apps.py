from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarningsConfig(AppConfig):
    name = "earnings"
    verbose_name = _("Earnings")

    def ready(self):
        from accounts.signals import personal_data_requested
        from bookings.signals import booking_completed, dashboard_panels, dashboard_sources
        from earnings import receivers

        booking_completed.connect(receivers.create_earning, dispatch_uid="earnings.create_earning")
        dashboard_panels.connect(receivers.dashboard_panel, dispatch_uid="earnings.dashboard_panel")
        dashboard_sources.connect(receivers.dashboard_sources, dispatch_uid="earnings.dashboard_sources")
        personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="earnings.personal_data_requested"
        )
