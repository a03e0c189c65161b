from django.core.management.base import BaseCommand

from notifications.services import reminders_send_due


class Command(BaseCommand):
    help = (
        "Remind patients and technicians of each confirmed visit 24 hours and 2 hours before it. "
        "Each reminder goes out once however often this runs. `run_scheduled` runs this every minute with "
        "the other time-based jobs; this command stays for running it alone."
    )

    def handle(self, *args, **options):
        count = reminders_send_due()
        self.stdout.write(f"{count} reminder(s) sent.")
