"""Background tasks of the accounts app (django-tasks; see TASKS in the settings): the e-mails a
visitor asks for, sent after the page has answered (see `accounts.emails`).

A task carries the address and ids, never a token or a link: those are made when the task runs,
so the queue's table (the database backend keeps arguments until the worker is done) holds no
secret, and a request queues the same task whether or not the address has an account.
"""

from django_tasks import task

from accounts import emails
from accounts.models import User


@task()
def send_password_reset_email(email: str) -> None:
    emails.send_password_reset(email=email)


@task()
def send_sign_up_email(email: str, user_id: int | None = None, next_url: str = "") -> None:
    """The one e-mail of a sign-up: the confirmation link of the account it started (`user_id`), or
    word to the address's owner; nothing when the started account has gone in the meantime."""
    user = None
    if user_id is not None:
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            return
    emails.send_sign_up_answer(email=email, user=user, next_url=next_url)
