from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts import signals as accounts
        from bookings import signals as bookings
        from earnings import signals as earnings
        from homecure.base.page_cache import page_shell_sources
        from notifications import receivers, selectors
        from records import signals as records
        from technicians import signals as technicians

        connections = [
            (bookings.booking_requested, receivers.booking_requested),
            (bookings.booking_accepted, receivers.booking_accepted),
            (bookings.booking_declined, receivers.booking_declined),
            (bookings.booking_assigned, receivers.booking_assigned),
            (bookings.booking_checked_in, receivers.booking_checked_in),
            (bookings.booking_completed, receivers.booking_completed),
            (bookings.booking_cancelled, receivers.booking_cancelled),
            (bookings.booking_rescheduled, receivers.booking_rescheduled),
            (bookings.booking_paid, receivers.booking_paid),
            (bookings.booking_refunded, receivers.booking_refunded),
            (bookings.booking_reviewed, receivers.booking_reviewed),
            (bookings.booking_offer_expired, receivers.booking_offer_expired),
            (bookings.booking_escalated, receivers.booking_escalated),
            (bookings.booking_not_attended, receivers.booking_not_attended),
            (bookings.booking_lapsed, receivers.booking_lapsed),
            (bookings.waitlist_time_offered, receivers.waitlist_time_offered),
            (technicians.technician_registered, receivers.technician_registered),
            (technicians.technician_verified, receivers.technician_verified),
            (technicians.technician_suspended, receivers.technician_suspended),
            (earnings.payout_recorded, receivers.payout_recorded),
            (earnings.earning_held, receivers.earning_held),
            (earnings.earning_released, receivers.earning_released),
            (records.health_record_added, receivers.health_record_added),
            (records.vital_flagged, receivers.vital_flagged),
            (accounts.personal_data_requested, receivers.personal_data_requested),
        ]
        for signal, receiver in connections:
            signal.connect(receiver, dispatch_uid=f"notifications.{receiver.__name__}")
        page_shell_sources.connect(selectors.badge_sources, dispatch_uid="notifications.badge_sources")
