from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts import signals as accounts
        from bookings import receivers
        from bookings import signals as bookings
        from bookings.models import Booking, Service
        from technicians import signals as technicians

        for signal in (post_save, post_delete):
            signal.connect(receivers.service_changed, sender=Service, dispatch_uid="bookings.forget_public_pages")
        technicians.photo_viewer_asked.connect(
            receivers.patient_has_visit_with, dispatch_uid="bookings.patient_has_visit_with"
        )
        technicians.visits_on_days_asked.connect(receivers.visits_on_days, dispatch_uid="bookings.visits_on_days")
        for signal in (bookings.booking_cancelled, bookings.booking_lapsed):
            signal.connect(receivers.cancelled_frees_time, sender=Booking, dispatch_uid="bookings.waitlist_freed_time")
        bookings.booking_rescheduled.connect(
            receivers.rescheduled_frees_time, sender=Booking, dispatch_uid="bookings.waitlist_moved_time"
        )
        accounts.personal_data_requested.connect(
            receivers.personal_data_requested, dispatch_uid="bookings.personal_data_requested"
        )
