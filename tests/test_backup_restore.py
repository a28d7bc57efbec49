"""The backup procedure of docs/reliability.md, followed on a real database with content: `pg_dump` of the
site's database, `pg_restore` into an empty database, `reindex` into an empty search engine, and a server on
the restored copy serves the same open data, counts and pages, and finds the proposals again."""

import json
import re
import subprocess
import sys
import urllib.request
import uuid

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from proposals.services.comments import comment_post
from proposals.services.decisions import response_publish
from tests.support import factories, servers
from tests.support.postgres import dump, restore_into
from votes.services import support_add

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def fetch(server, path: str) -> str:
    with urllib.request.urlopen(server.http_url(path), timeout=30) as response:
        assert response.status == 200
        # The same content from another address: the two servers differ by their port, and each visit by
        # its CSRF token.
        text = response.read().decode().replace(server.base_url, "BASE")
        return CSRF_TOKEN.sub('name="csrfmiddlewaretoken"', text)


def content():
    consultation = factories.consultation(title="Redesigning the housing-benefit journey")
    kept = factories.ProposalFactory(consultation=consultation, title="Tell me where my claim is")
    other = factories.ProposalFactory(consultation=consultation, title="One form instead of seven")
    for citizen in [factories.citizen() for _ in range(3)]:
        support_add(user=citizen, proposal=kept)
    support_add(user=factories.citizen(), proposal=other)
    comment_post(author=factories.citizen(), proposal=kept, body="Yes: I phoned four times last month.")
    response_publish(
        actor=factories.official(), proposal=other, body="We are merging the forms.", decision="accepted"
    )
    return consultation, kept


def seen(server, consultation, proposal) -> dict:
    return {
        "open data": fetch(server, f"/api/v1/consultations/{consultation.pk}/export.csv"),
        "proposal": json.loads(fetch(server, f"/api/v1/proposals/{proposal.pk}/")),
        "page": fetch(server, reverse("proposal_detail", args=[proposal.pk])),
    }


def run(*command: str, env: dict | None = None) -> None:
    done = subprocess.run(command, env=env, cwd=servers.BASE_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_restored_backup_serves_the_same_open_data_counts_and_pages(
    asgi_server, asgi_server_env, search_server, tmp_path
):
    consultation, proposal = content()
    before = seen(asgi_server, consultation, proposal)
    assert before["proposal"]["supports"] == 3
    assert "I phoned four times last month" in before["page"]

    dump(servers.database_url_of(connection.settings_dict), tmp_path / "cocreate.dump")
    restored_name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    admin = servers.database_url_of({**connection.settings_dict, "NAME": "postgres"})
    try:
        restored = restore_into(admin, restored_name, tmp_path / "cocreate.dump")
        engine = {"ELASTICSEARCH_URL": search_server.url, "SEARCH_INDEX_PREFIX": search_server.prefix}
        env = {**asgi_server_env, **engine, "DATABASE_URL": restored}
        run(sys.executable, "manage.py", "migrate", "--check", env=env)  # the copy is at the code's schema
        run(sys.executable, "manage.py", "reindex", env=env)
        with servers.serving(env) as copy:
            assert seen(copy, consultation, proposal) == before
            found = json.loads(fetch(copy, "/api/v1/search/?q=claim"))
            assert [hit["id"] for hit in found["results"]] == [proposal.pk]
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
