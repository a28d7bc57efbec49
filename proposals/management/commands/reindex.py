"""Rebuild the search engine's index of proposals with zero downtime.

A new versioned index is created and filled with every published proposal in batches, refreshed, and the
alias moved to it in one atomic `_aliases` call; searches use the old index until that moment. Then the
indices the alias left are deleted. On a cluster without the alias, this creates the first index.

A proposal changed while the command runs is written to the old index (through the alias) and may be
missing from the new one if it was read before the change: run it when writes are quiet, or run it again.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from proposals.models import Proposal
from proposals.search import engine


class Command(BaseCommand):
    help = "Rebuild the search index of published proposals and switch to it atomically."

    def handle(self, *args, **options):
        if settings.SEARCH_BACKEND != "engine":
            raise CommandError("SEARCH_BACKEND is not 'engine': the database backend needs no index.")
        name = engine.new_index_name()
        engine.create_index(name)
        total = Proposal.objects.published().count()
        self.stdout.write(f"Indexing {total} published proposals into {name}")
        done = engine.bulk_index(name, engine.published_proposals(), total=total, progress=self._progress)
        # A real engine shows new documents only after a refresh: do it before searches move over.
        engine.client().indices.refresh(index=name, request_timeout=engine.BULK_TIMEOUT)
        left = engine.swap_alias(name)
        self.stdout.write(f"{engine.alias_name()} -> {name} (was: {', '.join(left) or 'none'})")
        for stale in engine.stale_indices():
            engine.client().indices.delete(index=stale)
            self.stdout.write(f"Deleted {stale}")
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} proposals."))

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"{done}/{total}")
