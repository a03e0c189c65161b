"""`updated_at` that every write moves, not only a full `save()`.

Django sets an `auto_now` field in `save()` alone, and writes it only when it is among
`update_fields`; `QuerySet.update()` and `bulk_update()` leave it as it was. Anything keyed on a
row's `updated_at` (a cached fragment, an ETag, "changed since") would then miss those changes.
`TouchesUpdatedAt` adds the field to every `save(update_fields=...)`, and `TouchingQuerySet` sets it in
every `update()` and `bulk_update()` (unless the caller sets it). Models with an `updated_at` use both.
"""

from django.db import models
from django.utils import timezone


def _has_updated_at(model) -> bool:
    # A migration's historical model (built before the field was added) may not have it yet.
    return any(field.name == "updated_at" for field in model._meta.concrete_fields)


class TouchingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if _has_updated_at(self.model):
            kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        if "updated_at" not in fields and _has_updated_at(self.model):
            now = timezone.now()
            for obj in objs:
                obj.updated_at = now
            fields = [*fields, "updated_at"]
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True


class TouchesUpdatedAt:
    """Mixin for a model with `updated_at = DateTimeField(auto_now=True)`: a save of some fields moves it too."""

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)
