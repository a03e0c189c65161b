from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import emails
from accounts.forms import ProfileForm, SignUpForm
from accounts.models import User, UserRole
from accounts.services import (
    is_pending,
    patient_sign_up,
    user_confirm_email,
    user_password_reset_done,
    user_update_profile,
)
from accounts.tokens import email_confirmation_token

ROLE_HOME = {
    UserRole.PATIENT: "bookings:list",
    UserRole.TECHNICIAN: "portal:dashboard",
    UserRole.ADMIN: "admin:index",
}


def _safe_next(request):
    """The `next` URL from the query or form if it is a path on this site, else "".

    Only a path: `redirect()` takes anything else for the name of a view ("?next=dashboard"), and
    one that names none was a 500.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def sign_up_page(request, *, form_class, sign_up, template_name, next_url=""):
    """The flow both sign-up pages share (patients here, technicians on "Work with us").

    `sign_up(cleaned_data)` starts the account and returns the user to confirm, or None for an
    address that already has an account. Both get the same answer (the owner of the latter is told
    by e-mail), so the form does not reveal who has an account.
    """
    if request.user.is_authenticated:
        return redirect("accounts:after-login")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_up(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            emails.send_sign_up_answer(email=form.cleaned_data["email"], user=user, next_url=next_url)
            return redirect("accounts:signup-sent")
    return render(request, template_name, {"form": form, "next": next_url})


def _sign_up_patient(data):
    return patient_sign_up(
        email=data["email"],
        password=data["password1"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=data["phone"],
        address=data["address"],
        area=data["area"],
    )


@sensitive_post_parameters("password1", "password2")
def signup(request):
    """A new patient account, opened once the e-mailed link confirms the address."""
    return sign_up_page(
        request,
        form_class=SignUpForm,
        sign_up=_sign_up_patient,
        template_name="accounts/signup.html",
        next_url=_safe_next(request),
    )


def signup_sent(request):
    return render(request, "accounts/signup_sent.html")


def _pending_user(uidb64, token):
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if email_confirmation_token.check_token(user, token) and is_pending(user) else None


@never_cache
def signup_confirm(request, uidb64, token):
    """The link of the confirmation e-mail: GET shows a button (a link preview changes nothing), POST confirms.

    Confirming logs nobody in: whoever holds the link then logs in with the account's password.
    The link proves the address, not that its holder chose the password (someone else may have
    signed up with the address), so it must not open the account on its own. Patients and
    technicians (who signed up on "Work with us") both come here; a technician's log-in then leads
    to the portal's profile page, which the office checks before offering any visit.
    """
    pending = _pending_user(uidb64, token)
    if pending is not None and request.method == "POST":
        user = user_confirm_email(user=pending)
        if user.is_technician:
            messages.success(
                request,
                _(
                    "Your address is confirmed. Log in with your password, then complete your profile: "
                    "the office verifies it before you get visits."
                ),
            )
            next_url = reverse("portal:profile")
        else:
            messages.success(request, _("Your address is confirmed. Log in with your password."))
            next_url = _safe_next(request)
        login_url = reverse("accounts:login")
        return redirect(f"{login_url}?{urlencode({'next': next_url})}" if next_url else login_url)
    return render(request, "accounts/signup_confirm.html", {"valid": pending is not None, "pending": pending})


@login_required
def after_login(request):
    """Send a user who has just logged in to the page their role starts from."""
    next_url = _safe_next(request)
    if next_url:
        return redirect(next_url)
    return redirect(ROLE_HOME.get(request.user.role, "home"))


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            user_update_profile(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/profile.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the e-mailed link also lifts a log-in pause on the account:
    the link proved that the person owns the address."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_reset_done(user=self.user)
        return response
