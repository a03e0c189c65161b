from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from bookings import receivers
        from technicians import signals as technicians

        technicians.photo_viewer_asked.connect(
            receivers.patient_has_visit_with, dispatch_uid="bookings.patient_has_visit_with"
        )
        technicians.visits_on_days_asked.connect(receivers.visits_on_days, dispatch_uid="bookings.visits_on_days")
