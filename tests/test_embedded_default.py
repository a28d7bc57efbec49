"""The embedded default of `make run`: SQLite and the development settings, with the demo content.

The rest of the suite runs on PostgreSQL, as production does; this one case runs the site's main pages for
each demo role on SQLite, in a fresh process, so a query that only PostgreSQL accepts (an ordered UNION, a
LEAST() over NULLs) shows up here rather than as a 500 on someone's first `make run`."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Runs inside the child process: every page each demo account would open first, with its status code.
VISIT = """
import json, logging, sys
import django
django.setup()
logging.disable(logging.CRITICAL)  # a failure is reported by its status code, not a traceback
from django.core.management import call_command
from django.test import Client
from cms.models import ConsultationPage
from cocreate.accounts.models import User
from proposals.models import Proposal

call_command("migrate", verbosity=0)
call_command("load_demo", stdout=open("/dev/null", "w"))
proposals = [f"/proposals/{pk}/" for pk in Proposal.objects.published().values_list("pk", flat=True)]
consultations = [page.url for page in ConsultationPage.objects.live()]
consultation_ids = ConsultationPage.objects.canonical().values_list("pk", flat=True)  # translations: 404
dashboards = [f"/cms/promises/dashboards/{pk}/" for pk in consultation_ids]
pages = {
    None: ["/", "/search/?q=phone", "/api/v1/consultations/", *consultations, *proposals],
    "citizen": ["/notifications/", "/account/", "/api/v1/notifications/", *proposals],
    "moderator": ["/cms/", "/cms/proposals/", *proposals],
    "official": ["/cms/", "/cms/proposals/", "/cms/promises/", "/cms/promises/dashboards/", *dashboards,
                 *[f"/cms/proposals/{pk}/" for pk in Proposal.objects.values_list("pk", flat=True)],
                 *[f"/cms/proposals/{pk}/supports/" for pk in Proposal.objects.values_list("pk", flat=True)]],
}
statuses = {}
for username, urls in pages.items():
    client = Client(HTTP_HOST="127.0.0.1")
    if username:
        client.force_login(User.objects.get(username=username))
    for url in urls:
        statuses[f"{username} {url}"] = client.get(url).status_code

# The officials' and citizens' writes that run raw SQL: setting a support aside, asking for a review,
# withdrawing that support (its request goes with it). Each answers its own success code.
from votes.models import Support
support = Support.objects.filter(user__username="citizen").select_related("proposal").first()
official, citizen = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
official.force_login(User.objects.get(username="official"))
citizen.force_login(support.user)
writes = [
    (official, f"/api/v1/moderation/proposals/{support.proposal_id}/invalidations/",
     {"reason": "Checked on the demo.", "user_ids": [support.user_id]}, 201),
    (citizen, f"/api/v1/proposals/{support.proposal_id}/support/review/", {"message": "It was me."}, 201),
]
for client, url, body, expected in writes:
    code = client.post(url, body, content_type="application/json").status_code
    statuses[f"write {url}"] = 200 if code == expected else code
code = citizen.delete(f"/api/v1/proposals/{support.proposal_id}/support/").status_code
statuses["write withdraw"] = 200 if code == 204 else code
json.dump(statuses, sys.stdout)
"""


def test_every_main_page_answers_for_every_demo_role_on_sqlite(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "cocreate.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    run = subprocess.run(
        [sys.executable, "-c", VISIT], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=170
    )
    assert run.returncode == 0, run.stderr[-3000:]
    statuses = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(statuses) > 40
    assert {page: code for page, code in statuses.items() if code != 200} == {}
