"""Erase the address hashes of the supports of every proposal whose consultation closed more than
SUPPORT_ADDRESS_RETENTION_DAYS ago, with their address tallies (votes.retention). Run it once a day (cron
or a systemd timer); a run finds nothing to do once a proposal is erased, and a run stopped half-way is
finished by the next."""

from django.conf import settings
from django.core.management.base import BaseCommand

from votes.retention import support_addresses_erase


class Command(BaseCommand):
    help = "Erase the address hashes of supports whose consultation closed longer ago than the retention."

    def handle(self, *args, **options):
        erasure = support_addresses_erase()
        self.stdout.write(
            f"Erased the address hashes of {erasure.supports} support(s) and {erasure.tallies} address "
            f"tally(ies) of {erasure.proposals} proposal(s) whose consultation closed more than "
            f"{settings.SUPPORT_ADDRESS_RETENTION_DAYS} days ago."
        )
