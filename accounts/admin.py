from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import ServiceArea, User, UserRole
from accounts.services import user_unlock_login
from homecure.base.admin_paginator import EstimatedCountPaginator


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")

    def clean_email(self):
        # Stored lower-case, so the uniqueness check must compare lower-case too.
        return self.cleaned_data["email"].strip().lower()


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "phone", "address", "area")

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "phone", "address", "area")}),
        (
            _("Role and permissions"),
            {"fields": ("role", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("awaiting_confirmation", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "role", "is_active", "is_staff", "date_joined")
    list_filter = ("role", "is_active", "awaiting_confirmation", "is_staff", "area")
    search_fields = ("email", "first_name", "last_name", "phone")
    ordering = ("email",)
    autocomplete_fields = ("area",)
    readonly_fields = ("awaiting_confirmation", "last_login", "date_joined")
    # Tens of thousands of patients: no count of the whole table on every visit.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ["unlock_login"]

    @admin.action(description=_("Unlock log-in of the selected users"), permissions=["change"])
    def unlock_login(self, request, queryset):
        cleared = 0
        for user in queryset:
            cleared += user_unlock_login(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed log-in attempt record cleared; the selected users can log in again.",
                "%(count)d failed log-in attempt records cleared; the selected users can log in again.",
                cleared,
            )
            % {"count": cleared},
            messages.SUCCESS,
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The autocomplete for a technician profile's user offers only technician accounts.
        if request.GET.get("model_name") == "technician" and request.GET.get("field_name") == "user":
            queryset = queryset.filter(role=UserRole.TECHNICIAN)
        return queryset, may_have_duplicates
