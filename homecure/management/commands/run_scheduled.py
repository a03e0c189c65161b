from django.core.management.base import BaseCommand

from homecure.management.scheduled import run_due_jobs


class Command(BaseCommand):
    help = (
        "Run every time-based job that is due: expire unanswered offers, lapse visits whose time passed, send "
        "the visit reminders, and once a day delete the unconfirmed sign-ups. Safe to run every minute from "
        "cron, from several servers at once, and after an outage: nothing is done twice."
    )

    def handle(self, *args, **options):
        for name, count in run_due_jobs().items():
            self.stdout.write(f"{name}: {'not due' if count is None else count}")
