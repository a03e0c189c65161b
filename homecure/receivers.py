from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from homecure.config import clear_settings_cache
from homecure.models import SystemSettings


@receiver([post_save, post_delete], sender=SystemSettings, dispatch_uid="homecure.clear_settings_cache")
def settings_changed(**kwargs):
    clear_settings_cache()
