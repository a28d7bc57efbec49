"""Create the role groups and give officials their page permissions on the consultation list. Run it on a
real site after creating the consultation list in the CMS; it is safe to run again."""

from django.core.management.base import BaseCommand

from cms.roles import ensure_role_groups


class Command(BaseCommand):
    help = "Create the Moderators and Officials groups and their permissions (idempotent)."

    def handle(self, *args, **options):
        groups = ensure_role_groups()
        self.stdout.write("Role groups ready: " + ", ".join(sorted(groups)))
