"""The e-mails of signing up: the link that confirms a new account, or word that one exists.

Sent during the request, like Django's password-reset e-mail, so both answers of the sign-up
form take the same path and the same time.
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.services import is_pending
from accounts.tokens import email_confirmation_token

#: A sign-up waiting for its link gets the link again when someone signs up with its address once
#: more, at most once in this many seconds: often enough for an owner who lost the e-mail, too
#: rarely for the sign-up form to flood somebody's mailbox.
RESEND_INTERVAL = 10 * 60


def _send(template: str, to: str, context: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    subject = render_to_string(f"registration/{template}_subject.txt", context).strip()
    send_mail(subject, render_to_string(f"registration/{template}_email.txt", context), None, [to])


def send_confirmation(*, user: User, next_url: str = "", again: bool = False) -> None:
    """The link that confirms `user`'s address; `again` when it is sent for a second sign-up with
    the address (the e-mail then says that the first sign-up stands as it was)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.SITE_URL + reverse("accounts:signup-confirm", args=[uid, email_confirmation_token.make_token(user)])
    if next_url:
        link += "?" + urlencode({"next": next_url})
    _send("signup_confirm", user.email, {"user": user, "link": link, "again": again})


def _first_resend(email: str) -> bool:
    """True once per `RESEND_INTERVAL` for an address (an atomic add, so it holds across servers
    sharing the cache)."""
    key = "signup-resend:" + hashlib.sha256(email.lower().encode()).hexdigest()
    return cache.add(key, True, timeout=RESEND_INTERVAL)


def send_already_registered(*, email: str, next_url: str = "") -> None:
    """Word to the address's owner that a sign-up found their account; for a sign-up still waiting
    for its link, that link again (at most once per `RESEND_INTERVAL`): it confirms the account as
    its first sign-up made it."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and is_pending(user):
        if _first_resend(email):
            send_confirmation(user=user, next_url=next_url, again=True)
        return
    _send("signup_exists", email, {"user": user})


def send_sign_up_answer(*, email: str, user: User | None, next_url: str = "") -> None:
    """The one e-mail a sign-up sends: the confirmation link for the account it started (`user`),
    or, when the address already has an account in use (`user` is None), word of it to its owner."""
    if user is None:
        send_already_registered(email=email, next_url=next_url)
    else:
        send_confirmation(user=user, next_url=next_url)
