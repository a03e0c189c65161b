"""Background tasks of the notifications app (django-tasks; see TASKS in the settings)."""

import logging
from datetime import timedelta

from django.core.mail import get_connection
from django.utils import timezone
from django_tasks import task

from notifications import emails

logger = logging.getLogger(__name__)

#: A mail server that fails is tried this many times in all.
MAX_ATTEMPTS = 3
#: Pause before the second and the third attempt, when the task backend can wait (the database one can).
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10))


@task()
def send_notification_emails(notification_ids: list[int], template: str, attempt: int = 1) -> int:
    """E-mail the recipients of these notifications with templates/emails/<template>/; returns how many went out.

    If the mail server fails, the e-mails not yet sent are queued again (each recipient gets at
    most one) until MAX_ATTEMPTS; after that the failure is logged and raised, so the task shows as
    failed. Whatever happens here, the page that caused the notification has already been answered.
    """
    remaining = emails.deliverable(notification_ids)
    sent = 0
    try:
        with get_connection() as connection:
            while remaining:
                message = emails.build_email(remaining[0], template)
                message.connection = connection
                message.send()
                remaining.pop(0)
                sent += 1
    except OSError:  # smtplib.SMTPException, refused connections and timeouts are all OSErrors
        ids = [notification.pk for notification in remaining]
        if attempt >= MAX_ATTEMPTS:
            logger.exception("E-mail for notifications %s failed %s times; giving up.", ids, attempt)
            raise
        logger.warning("E-mail for notifications %s failed (attempt %s); retrying.", ids, attempt, exc_info=True)
        retry = send_notification_emails
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 1])
        retry.enqueue(notification_ids=ids, template=template, attempt=attempt + 1)
    return sent
