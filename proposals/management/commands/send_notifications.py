"""Send the notification e-mails not sent yet: those beyond what a request sends after its commit, and
failed ones (each is tried up to proposals.notifications.MAX_ATTEMPTS times). Run it every few minutes
(cron or a systemd timer); several runs at once do not send an e-mail twice."""

from django.core.management.base import BaseCommand

from proposals.notifications import notifications_send


class Command(BaseCommand):
    help = "Send the notification e-mails not sent yet, retrying failed ones."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many in this run.")

    def handle(self, *args, limit=None, **options):
        report = notifications_send(limit=limit)
        self.stdout.write(report.summary())
