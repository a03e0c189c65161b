from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomecureConfig(AppConfig):
    name = "homecure"
    verbose_name = _("Platform")

    def ready(self):
        from homecure import public_cache, receivers  # noqa: F401  (public_cache connects its receiver)

        receivers.connect_audit_receivers()
