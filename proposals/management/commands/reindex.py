"""Rebuild the search engine's index of proposals with zero downtime.

A new versioned index is created and filled with every published proposal in batches, refreshed, and the
alias moved to it in one atomic `_aliases` call; searches use the old index until that moment. Then the
indices the alias left are deleted. On a cluster without the alias, this creates the first index.

Writes made while it runs are not lost: from the moment the new index exists, every write after commit
goes to it too (it is named by a second alias), the bulk only creates documents that are not there yet, and
a proposal removed meanwhile is kept as an unpublished document until the swap, then deleted (see
`engine.start_rebuild`).
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
        engine.start_rebuild(name)  # before reading: later writes go to the new index as well
        total = Proposal.objects.listed().count()
        self.stdout.write(f"Indexing {total} published proposals into {name}")
        proposals = engine.published_proposals()
        done = engine.bulk_index(name, proposals, total=total, progress=self._progress, create_only=True)
        # A real engine shows new documents only after a refresh: do it before searches move over.
        engine.client().indices.refresh(index=name, request_timeout=engine.BULK_TIMEOUT)
        left = engine.swap_alias(name)
        engine.drop_unpublished(name)
        self.stdout.write(f"{engine.alias_name()} -> {name} (was: {', '.join(left) or 'none'})")
        for stale in engine.stale_indices():
            engine.client().indices.delete(index=stale)
            self.stdout.write(f"Deleted {stale}")
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} proposals."))

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"{done}/{total}")
