from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomecureConfig(AppConfig):
    name = "homecure"
    verbose_name = _("Platform")

    def ready(self):
        from homecure.base import receivers

        receivers.connect_audit_receivers()
