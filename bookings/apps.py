from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from bookings import receivers
        from bookings.models import Service

        for signal in (post_save, post_delete):
            signal.connect(receivers.service_changed, sender=Service, dispatch_uid="bookings.forget_public_pages")
