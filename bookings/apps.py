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
        self._forget_free_times_on_change()
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

    def _forget_free_times_on_change(self):
        """Every change that can move a free time drops the cached answers (`scheduling.forget_free_times`).

        Model signals rather than the services: the back office edits schedules, days off and
        technicians through its forms too. Writes that bypass `save()` have their own signal
        (`technicians.signals.schedule_changed`); the slot and buffer settings are part of the
        cache key itself.
        """
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from accounts.models import User
        from bookings import receivers
        from bookings.models import Booking
        from technicians import signals as technicians
        from technicians.models import ScheduleWindow, Technician, TimeOff

        uid = "bookings.forget_free_times"
        post_save.connect(receivers.booking_saved, sender=Booking, dispatch_uid=f"{uid}.booking")
        post_save.connect(receivers.technician_saved, sender=Technician, dispatch_uid=f"{uid}.technician")
        post_save.connect(receivers.user_saved, sender=User, dispatch_uid=f"{uid}.user")
        for model in (Booking, Technician, User):
            post_delete.connect(
                receivers.free_times_changed, sender=model, dispatch_uid=f"{uid}.{model.__name__}.delete"
            )
        for model in (ScheduleWindow, TimeOff):
            for signal in (post_save, post_delete):
                signal.connect(receivers.free_times_changed, sender=model, dispatch_uid=f"{uid}.{model.__name__}")
        m2m_changed.connect(
            receivers.free_times_changed, sender=Technician.service_areas.through, dispatch_uid=f"{uid}.areas"
        )
        technicians.schedule_changed.connect(receivers.free_times_changed, dispatch_uid=f"{uid}.schedule")
