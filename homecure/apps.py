from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomecureConfig(AppConfig):
    name = "homecure"
    verbose_name = _("Platform")

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from homecure.base import receivers

        receivers.connect_audit_receivers()
        # Pillow warns past this many pixels and refuses twice as many, whoever opens the picture.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
