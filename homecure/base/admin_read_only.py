"""A back-office screen of rows that only the product's own flows write: the office reads them."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """No adding, changing or deleting from the back office; actions and custom views still work."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
