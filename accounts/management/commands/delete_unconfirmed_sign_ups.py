from django.core.management.base import BaseCommand, CommandError

from accounts.services import UNCONFIRMED_SIGN_UP_DAYS, delete_unconfirmed_sign_ups


class Command(BaseCommand):
    help = (
        "Delete the patient and technician sign-ups whose e-mailed confirmation link was never opened, "
        f"{UNCONFIRMED_SIGN_UP_DAYS} days after the sign-up. `run_scheduled` runs this once a day; this command "
        "stays for running it alone (with another --days)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=UNCONFIRMED_SIGN_UP_DAYS,
            help=f"how old an unconfirmed sign-up must be, in days (default {UNCONFIRMED_SIGN_UP_DAYS}, at least 1)",
        )

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--days must be at least 1: a sign-up's link works for an hour after it is sent.")
        count = delete_unconfirmed_sign_ups(days=days)
        self.stdout.write(f"{count} unconfirmed sign-up(s) deleted.")
