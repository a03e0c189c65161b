"""The e-mails a visitor asks for: the sign-up's (the link that confirms a new account, or word that
one exists) and the password reset's.

They go out from the task queue (`accounts.tasks`), never during the request: the page answers
without waiting for the mail server, so the time of the answer does not tell whether an e-mail
went to an existing account. Before a request queues one,
`account_email_allowed` counts it against the limits per address and per client.
"""

import hashlib
import logging
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.services import is_pending
from accounts.tokens import email_confirmation_token
from homecure.base.limits import limit_give_back, limit_take

logger = logging.getLogger(__name__)

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


def _digest(value: str) -> str:
    return hashlib.sha256(value.lower().encode()).hexdigest()[:12]


def account_email_allowed(*, kind: str, email: str, client: str | None) -> bool:
    """Count a request for a sign-up or password-reset e-mail (`kind`, for the log) to `email` from
    the client address `client`; False when it is over a limit, and then nothing is to be sent.

    Sign-up and password-reset e-mails share one budget: at most `ACCOUNT_EMAILS_PER_ADDRESS` to an
    address and `ACCOUNT_EMAILS_PER_CLIENT` asked from one client address in
    `ACCOUNT_EMAIL_WINDOW` seconds, counted with the cache's atomic counters, so they hold across
    servers. Every request counts, whether or not the address has an account, so the check costs
    the same for both. The client's count comes first; a request it refuses does not count against
    the address, so one client cannot use up more of an address's budget than its own allows. The
    refusal is logged with a digest of the address, never the address itself.
    """
    window = settings.ACCOUNT_EMAIL_WINDOW
    client = client or "unknown"
    if not limit_take("account-email-client", client, limit=settings.ACCOUNT_EMAILS_PER_CLIENT, window=window):
        logger.warning("%s e-mail not sent: client %s is over its limit.", kind, client)
        return False
    if not limit_take("account-email-address", email, limit=settings.ACCOUNT_EMAILS_PER_ADDRESS, window=window):
        logger.warning("%s e-mail not sent: address %s (digest) is over its limit.", kind, _digest(email))
        return False
    return True


def account_email_give_back(*, email: str, client: str | None) -> None:
    """Undo `account_email_allowed` for a request that ended up sending nothing (a form error)."""
    limit_give_back("account-email-client", client or "unknown")
    limit_give_back("account-email-address", email)


def send_password_reset(*, email: str) -> None:
    """Django's password-reset e-mail to each active account with the address `email` (none for
    an unknown one). Runs in the task queue: the token is made, and the link written, only here."""
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    form.save(
        domain_override=urlsplit(settings.SITE_URL).netloc,
        use_https=settings.SITE_URL.startswith("https:"),
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.txt",
        html_email_template_name="registration/password_reset_email.html",
        # Links point at the configured site, not at whatever Host header the request carried.
        extra_email_context={"site_url": settings.SITE_URL},
    )
