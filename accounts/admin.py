from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import ServiceArea, User, UserRole
from accounts.services import user_reset_second_factor, user_set_second_factor_required, user_unlock_login
from homecure.base.admin_paginator import EstimatedCountPaginator
from homecure.base.errors import ServiceError

# django-otp registers admin pages for its devices, which show and edit the secret of anybody's
# authenticator app. Nobody reads a secret after enrolment: an administrator resets a user's second
# factor with the action on the user list instead, and the user enrols again.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


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
        (_("Two-factor log-in"), {"fields": ("second_factor_required", "second_factor")}),
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
    list_display = ("email", "full_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "awaiting_confirmation", "second_factor_required", "is_staff", "area")
    search_fields = ("email", "first_name", "last_name", "phone")
    ordering = ("email",)
    autocomplete_fields = ("area",)
    readonly_fields = ("awaiting_confirmation", "second_factor_required", "second_factor", "last_login", "date_joined")
    # Tens of thousands of patients: no count of the whole table on every visit.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ["unlock_login", "reset_second_factor", "require_second_factor", "stop_requiring_second_factor"]
    # A user's "page on the site" is the profile of whoever is logged in: the administrator's own.
    view_on_site = False

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name() or "-"

    @admin.display(description=_("Two-factor log-in"))
    def second_factor(self, obj):
        if obj.pk is None or not two_factor.has_second_factor(obj):
            return _("Not set up")
        left = two_factor.recovery_codes_left(obj)
        return ngettext(
            "Authenticator app set up; %(count)d recovery code left.",
            "Authenticator app set up; %(count)d recovery codes left.",
            left,
        ) % {"count": left}

    @admin.action(description=_("Reset two-factor log-in of the selected users (lost phone)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                user_reset_second_factor(user=user, actor=request.user)
            except ServiceError as error:
                self.message_user(request, f"{user.email}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "Two-factor log-in reset for %(count)d user; they set it up again at their next log-in.",
                    "Two-factor log-in reset for %(count)d users; they set it up again at their next log-in.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Require two-factor log-in of the selected technicians"), permissions=["change"])
    def require_second_factor(self, request, queryset):
        self._set_second_factor_required(request, queryset, required=True)

    @admin.action(description=_("Stop requiring two-factor log-in of the selected technicians"), permissions=["change"])
    def stop_requiring_second_factor(self, request, queryset):
        self._set_second_factor_required(request, queryset, required=False)

    def _set_second_factor_required(self, request, queryset, *, required):
        changed = skipped = 0
        for user in queryset:
            try:
                changed += user_set_second_factor_required(user=user, required=required, actor=request.user)
            except ServiceError:
                skipped += 1
        self.message_user(
            request,
            ngettext("%(count)d technician changed.", "%(count)d technicians changed.", changed) % {"count": changed},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected user is not a technician and was left as it was (administrators always "
                    "use two-factor log-in, patients never).",
                    "%(count)d selected users are not technicians and were left as they were (administrators always "
                    "use two-factor log-in, patients never).",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

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
