"""Send the citizens' summaries of the notifications they chose to get daily or weekly (see
proposals.notifications.citizen_digest). Run `--period daily` once a day and `--period weekly` once a week
(cron or a systemd timer); a notification goes in one summary only, so running again, or two runs at
once, sends nothing twice."""

from django.core.management.base import BaseCommand

from proposals.notifications import citizen_digests_send


class Command(BaseCommand):
    help = "Send the daily or weekly summaries of notifications to the people who chose them."

    def add_arguments(self, parser):
        parser.add_argument("--period", choices=["daily", "weekly"], required=True)

    def handle(self, *args, period: str, **options):
        report = citizen_digests_send(period=period)
        self.stdout.write(report.summary())
