from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import emails, tasks
from accounts import two_factor as tf
from accounts.decorators import staff_required
from accounts.forms import EnrolSecondFactorForm, ProfileForm, SecondFactorForm, SignUpForm
from accounts.middleware import SECOND_FACTOR_OWED_KEY
from accounts.models import User, UserRole
from accounts.services import (
    is_pending,
    patient_sign_up,
    user_check_second_factor,
    user_confirm_email,
    user_enrol_second_factor,
    user_new_recovery_codes,
    user_password_reset_done,
    user_update_profile,
)
from accounts.tokens import email_confirmation_token
from homecure.base.audit import client_ip
from homecure.base.errors import ServiceError

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
    by e-mail), so the form does not reveal who has an account. The e-mail goes through the task
    queue. A sign-up over the e-mail limits (`emails.account_email_allowed`) gets the same answer
    and does nothing: no account is started that no link could confirm.
    """
    if request.user.is_authenticated:
        return redirect("accounts:after-login")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, client = form.cleaned_data["email"], client_ip(request)
        if not emails.account_email_allowed(kind="Sign-up", email=email, client=client):
            return redirect("accounts:signup-sent")
        try:
            user = sign_up(form.cleaned_data)
        except ValidationError as error:
            emails.account_email_give_back(email=email, client=client)
            form.add_error(None, error)
        else:
            tasks.send_sign_up_email.enqueue(email=email, user_id=user and user.pk, next_url=next_url)
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
        try:
            user = user_confirm_email(user=pending)
        except ValidationError as refusal:
            # An app refused the confirmation (a technician's licence claimed by someone else meanwhile).
            return render(
                request,
                "accounts/signup_confirm.html",
                {"valid": True, "pending": pending, "refusal": " ".join(refusal.messages)},
                status=409,
            )
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


class PasswordResetView(auth_views.PasswordResetView):
    """Asking for a password-reset link: the e-mail is queued as a task that carries only the
    address (`tasks.send_password_reset_email`), and the worker looks the account up, makes the
    token and sends.

    The request therefore does the same work for an address with an account and one without: the
    limit check (`emails.account_email_allowed`) and one task queued, and no look-up of the
    account; only the worker, after the page has answered, finds that there is nobody to write
    to. Queuing nothing for an unknown address would have saved a row but made the two answers
    differ by a write. Over a limit nothing is queued, and the answer is the same page.
    """

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if emails.account_email_allowed(kind="Password-reset", email=email, client=client_ip(self.request)):
            tasks.send_password_reset_email.enqueue(email=email)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the e-mailed link also lifts a log-in pause on the account:
    the link proved that the person owns the address."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_reset_done(user=self.user)
        return response


def _with_next(url_name, next_url):
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _second_factor_given(request, device):
    """The session now counts as verified: a new session key (the privilege went up), the device on it."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(SECOND_FACTOR_OWED_KEY, None)


@login_required
@sensitive_post_parameters("code")
def two_factor_verify(request):
    """The log-in's second step: the 6-digit code of the authenticator app, or a recovery code.

    A user who owes a second factor but has none set up goes on to enrolment; one who owes none
    goes where they were going.
    """
    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return redirect(next_url or "accounts:after-login")
    if not tf.has_second_factor(user):
        if user.must_use_second_factor:
            return redirect(_with_next("accounts:two-factor", next_url))
        request.session.pop(SECOND_FACTOR_OWED_KEY, None)
        return redirect(next_url or "accounts:after-login")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = user_check_second_factor(user=user, code=form.cleaned_data["code"])
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            _second_factor_given(request, device)
            if isinstance(device, StaticDevice):
                left = tf.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You logged in with a recovery code, which no longer works now; %(count)d code is left.",
                        "You logged in with a recovery code, which no longer works now; %(count)d codes are left.",
                        left,
                    )
                    % {"count": left}
                    + " "
                    + _("If your phone is lost, ask an administrator to reset your two-factor log-in."),
                )
            return redirect(next_url or "accounts:after-login")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


@staff_required
@sensitive_post_parameters("code")
def two_factor(request):
    """Two-factor log-in in the account area: enrolment while it is off, its state once it is on.

    Enrolment shows a new secret as a QR code and as text, and asks for the code the app then
    shows; the secret waits in the session until that code confirms it, so a page that is only
    opened writes nothing.
    """
    user = request.user
    next_url = _safe_next(request)
    if tf.has_second_factor(user):
        if not user.is_verified():
            return redirect(_with_next("accounts:two-factor-verify", reverse("accounts:two-factor")))
        return render(request, "accounts/two_factor.html", {"codes_left": tf.recovery_codes_left(user)})
    key = request.session.get(tf.PENDING_SECRET_KEY) or tf.new_secret()
    request.session[tf.PENDING_SECRET_KEY] = key
    form = EnrolSecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = user_enrol_second_factor(user=user, key=key, code=form.cleaned_data["code"])
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            _second_factor_given(request, device)
            request.session.pop(tf.PENDING_SECRET_KEY, None)
            request.session[tf.NEW_CODES_KEY] = codes
            messages.success(request, _("Two-factor log-in is on."))
            return redirect(_with_next("accounts:two-factor-codes", next_url))
    context = {
        "form": form,
        "next": next_url,
        "qr_code": tf.qr_data_uri(tf.config_url(user, key)),
        "secret": tf.secret_as_text(key),
        "must": user.must_use_second_factor,
    }
    return render(request, "accounts/two_factor_enrol.html", context)


@staff_required
def two_factor_codes(request):
    """The recovery codes made a moment ago, shown this once (GET); POST replaces them with new ones."""
    if request.method == "POST":
        return _new_recovery_codes(request)
    codes = request.session.pop(tf.NEW_CODES_KEY, None)
    if not codes:
        return redirect("accounts:two-factor")
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": _safe_next(request)})


def _new_recovery_codes(request):
    if not request.user.is_verified():
        return redirect(_with_next("accounts:two-factor-verify", reverse("accounts:two-factor")))
    try:
        request.session[tf.NEW_CODES_KEY] = user_new_recovery_codes(user=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("accounts:two-factor")
    return redirect("accounts:two-factor-codes")
