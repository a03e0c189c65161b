"""The e-mails of signing up: the link that confirms a new account, or word that one exists.

Sent during the request, like Django's password-reset e-mail, so both answers of the sign-up
form take the same path and the same time.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tokens import email_confirmation_token


def _send(template: str, to: str, context: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    subject = render_to_string(f"registration/{template}_subject.txt", context).strip()
    send_mail(subject, render_to_string(f"registration/{template}_email.txt", context), None, [to])


def send_confirmation(*, user: User, next_url: str = "") -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.SITE_URL + reverse("accounts:signup-confirm", args=[uid, email_confirmation_token.make_token(user)])
    if next_url:
        link += "?" + urlencode({"next": next_url})
    _send("signup_confirm", user.email, {"user": user, "link": link})


def send_already_registered(*, email: str) -> None:
    user = User.objects.filter(email__iexact=email).first()
    _send("signup_exists", email, {"user": user})


def send_sign_up_answer(*, email: str, user: User | None, next_url: str = "") -> None:
    """The one e-mail a sign-up sends: the confirmation link for the account it started (`user`),
    or, when the address already has an account in use (`user` is None), word of it to its owner."""
    if user is None:
        send_already_registered(email=email)
    else:
        send_confirmation(user=user, next_url=next_url)
