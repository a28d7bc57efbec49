"""E-mail the officials' daily digest: proposals that crossed their support threshold in the last 24 hours,
responses overdue, and responses due in the next 7 days, per consultation, with links to the admin. Run it
once a day (cron or a systemd timer); nothing is sent when there is nothing to say."""

from django.core.management.base import BaseCommand

from proposals.notifications import digest_send


class Command(BaseCommand):
    help = "E-mail the daily digest of thresholds and response deadlines to every official."

    def handle(self, *args, **options):
        sent = digest_send()
        if sent:
            self.stdout.write(f"Digest sent to {sent} official(s).")
        else:
            self.stdout.write("Nothing to report, or no official with an e-mail address: no digest sent.")
