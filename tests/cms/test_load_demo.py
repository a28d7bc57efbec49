"""The demo content of `make run`: complete after one run, unchanged by a second, never on a real site."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from wagtail.models import GroupPagePermission, Locale, Page, Revision, Site

from cms.backoffice.management.commands.load_demo import (
    ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    HOUSING_SLUG,
)
from cms.models import (
    Area,
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationStage,
    LifeEvent,
    ModerationMode,
)
from cocreate.accounts.models import User
from proposals import permissions
from proposals.journey_map import journey_map
from proposals.models import (
    AuditEntry,
    CheckIn,
    Comment,
    DeclaredArea,
    Flag,
    Milestone,
    OfficialResponse,
    Proposal,
    StageTally,
    Status,
    Visibility,
)
from proposals.what_changed import what_changed
from votes.models import Support

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def load(**kwargs) -> None:
    # The test settings run with DEBUG off, like a real site: --force is what lets the command in.
    call_command("load_demo", force=True, stdout=kwargs.pop("stdout", None) or _Sink(), **kwargs)


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def snapshot() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "proposals": Proposal.objects.count(),
        "supports": Support.objects.count(),
        "responses": OfficialResponse.objects.count(),
        "status_changes": AuditEntry.objects.status_changes().count(),
        "decisions": AuditEntry.objects.moderation().count(),
        "page_permissions": GroupPagePermission.objects.count(),
        "life_events": LifeEvent.objects.count(),
        "stages": ConsultationStage.objects.count(),
        "checkins": CheckIn.objects.count(),
        "tallies": StageTally.objects.count(),
        "milestones": Milestone.objects.count(),
        "areas": Area.objects.count(),
        "declared_areas": DeclaredArea.objects.count(),
    }


def test_refuses_without_debug_and_writes_nothing():
    before = snapshot()
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert snapshot() == before


def test_second_run_changes_nothing():
    load()
    first = snapshot()
    out = _Sink()
    load(stdout=out)
    assert snapshot() == first
    assert "nothing changed" in out.text


def test_consultation_list_replaces_the_welcome_page_as_site_root():
    load()
    index = ConsultationIndexPage.objects.get(locale__language_code="en")
    site = Site.objects.get(is_default_site=True)
    assert site.root_page_id == index.pk
    # Only the tree root and the consultation list in each language are at depth one and two: the
    # "Welcome" page is gone.
    assert list(Page.objects.filter(depth__lte=2).values_list("depth", flat=True).order_by("depth")) == [
        1,
        2,
        2,
    ]
    assert index.get_translation(Locale.objects.get(language_code="fr")).live


def test_first_consultation_published_in_french_too():
    load()
    benefit = ConsultationPage.objects.get(title="Redesigning the unemployment-benefit journey")
    french = benefit.get_translation(Locale.objects.get(language_code="fr"))
    assert french.live and french.title == "Repenser le parcours de l’allocation chômage"
    assert french.slug == benefit.slug  # the same address in both languages
    assert [p.title for p in french.phases.all()][0] == "Temps d’écoute"
    # Still one consultation: the translation holds no proposals, the original all of them.
    assert not Proposal.objects.filter(consultation=french).exists()
    assert ConsultationPage.objects.canonical().get(translation_key=benefit.translation_key) == benefit


def test_consultations_and_their_proposals():
    load()
    benefit = ConsultationPage.objects.get(title="Redesigning the unemployment-benefit journey")
    housing = ConsultationPage.objects.get(title="Simplifying the housing-allowance application")
    assert benefit.live and benefit.is_open() and housing.live and housing.is_open()
    assert benefit.moderation_mode == ModerationMode.POST and housing.moderation_mode == ModerationMode.PRE
    assert benefit.phases.count() == 4 and benefit.categories.count() == 5
    assert {block.block_type for block in benefit.body} == {"heading", "paragraph", "scope"}

    assert Proposal.objects.filter(consultation=benefit, visibility=Visibility.PUBLISHED).count() == 12
    assert Proposal.objects.filter(consultation=housing, visibility=Visibility.PUBLISHED).count() == 2
    pending = Proposal.objects.get(visibility=Visibility.PENDING)
    assert pending.consultation_id == housing.pk
    assert len({p.author_id for p in Proposal.objects.all()}) >= 5


def test_life_events_in_both_languages_tag_the_consultations():
    load()
    english = LifeEvent.objects.filter(locale__language_code="en")
    assert [e.name for e in english] == ["Losing a job", "Moving house", "Having a child", "Retiring"]
    french = Locale.objects.get(language_code="fr")
    assert [e.get_translation(french).name for e in english] == [
        "Perdre son emploi",
        "Déménager",
        "Avoir un enfant",
        "Partir à la retraite",
    ]
    benefit = ConsultationPage.objects.get(slug="unemployment-benefit-journey", locale__language_code="en")
    housing = ConsultationPage.objects.get(slug="housing-allowance-application")
    assert [e.name for e in benefit.life_events.all()] == ["Losing a job"]
    assert housing.life_events.count() == 4
    # The home page lists both under "Losing a job", in French too.
    home = Client().get("/").content.decode()
    section = home.split('id="life-events-heading"')[1].split("</section>")[0]
    job = section.split("Losing a job")[1].split("</ul>")[0]
    assert benefit.title in job and housing.title in job
    french_home = Client(headers={"accept-language": "fr"}).get("/").content.decode()
    assert "Perdre son emploi" in french_home and "Partir à la retraite" in french_home


def test_the_benefit_journey_has_stages_proposals_and_checkins_to_map():
    load()
    benefit = ConsultationPage.objects.get(slug="unemployment-benefit-journey", locale__language_code="en")
    assert [s.name for s in benefit.localized_stages()] == [
        "Find out if I am eligible",
        "Apply online",
        "Send documents",
        "Wait for the decision",
        "First payment",
    ]
    with translation.override("fr"):
        assert [s.name for s in benefit.localized_stages()] == [
            "Vérifier si j’y ai droit",
            "Faire la demande en ligne",
            "Envoyer les justificatifs",
            "Attendre la décision",
            "Premier versement",
        ]
    assert Proposal.objects.filter(consultation=benefit, stage__isnull=False).count() == 6

    journey = journey_map(consultation=benefit)
    counts = [stage.figures.checkins for stage in journey.stages]
    assert all(8 <= n <= 30 for n in counts)
    assert all(stage.shown for stage in journey.stages)
    assert journey.breaking_point.stage.slug == "documents"
    assert journey.stages[2].proposals[0].title == "Let me upload documents from my phone"
    # Through the service: the tallies are the check-ins', and people who gave up went no further.
    checkins = CheckIn.objects.filter(consultation=benefit)
    assert sum(counts) == checkins.count()
    assert checkins.filter(gave_up=True, stage__slug="documents").count() == 5
    quitters = checkins.filter(gave_up=True).values("author")
    assert not checkins.filter(author__in=quitters, stage__slug="first-payment").exists()
    assert 3 <= checkins.exclude(story="").count() <= 10
    # The demo citizens are left to check in themselves.
    assert not checkins.filter(author__username__in=["citizen", "citizen2"]).exists()


def test_what_changed_after_the_phone_upload_opened():
    """A step done (a day late), one in progress and one ahead on the accepted proposal; on its stage, the
    check-ins since the first step was done are less frustrated than those before, by more than noise."""
    load()
    benefit = ConsultationPage.objects.get(slug="unemployment-benefit-journey", locale__language_code="en")
    accepted = Proposal.objects.get(consultation=benefit, title="Let me upload documents from my phone")
    steps = list(accepted.milestones.order_by("planned_for"))
    assert [step.state for step in steps] == ["done", "in_progress", "planned"]
    assert [step.is_late() for step in steps] == [True, False, False]  # the first done a day late
    assert AuditEntry.objects.filter(milestone__proposal=accepted, public=True).count() == 6

    documents = next(c for c in what_changed(consultation=benefit).stages if c.stage.slug == "documents")
    assert documents.first_done == steps[0]
    frustration = documents.frustration
    assert (frustration.before, frustration.after) == (16, 8)
    assert frustration.outcome == "difference" and frustration.direction == "down"
    assert frustration.before_median > frustration.after_median


def test_supports_status_change_and_response_are_real():
    load()
    # The denormalised counts agree with the support rows: they went through votes.services.
    for proposal in Proposal.objects.all():
        assert proposal.supports_count == Support.objects.filter(proposal=proposal).count()
    assert Support.objects.count() == 53
    response = OfficialResponse.objects.get()
    assert response.department == "Employment Services" and response.author_name == "Claire Martin"
    assert response.proposal.status == Status.ACCEPTED == response.decision
    assert Proposal.objects.filter(status=Status.UNDER_REVIEW).count() == 1
    # Two proposals crossed the threshold (the platform moved each to awaiting_response), then one got a
    # status change and the other a response with its decision.
    assert AuditEntry.objects.status_changes().count() == 4
    assert AuditEntry.objects.filter(action="threshold_reached").count() == 2


def test_the_promise_the_discussion_and_a_report_are_there_to_see():
    load()
    awaiting = Proposal.objects.get(status=Status.UNDER_REVIEW)
    assert awaiting.response_due_at is not None and awaiting.responded_at is None
    answered = OfficialResponse.objects.get().proposal
    assert answered.threshold_reached_at is not None and answered.responded_at is not None
    assert awaiting.comments.filter(parent__isnull=False).exists()
    assert awaiting.comments.filter(author_is_official=True, visibility=Visibility.PUBLISHED).exists()
    assert Flag.objects.filter(comment__isnull=False, resolved_at=None).count() == 1
    assert Comment.objects.filter(visibility=Visibility.PENDING).count() == 1
    assert Proposal.objects.get(pk=awaiting.pk).comments_count == 3


def test_accounts_have_verified_primary_emails_and_their_roles():
    load()
    users = {spec.username: User.objects.get(username=spec.username) for spec in ACCOUNTS}
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True, primary=True).exists()
        assert permissions.can_participate(user)
    assert not permissions.can_moderate(users["citizen"]) and not permissions.can_moderate(users["citizen2"])
    assert permissions.can_moderate(users["moderator"]) and not permissions.is_official(users["moderator"])
    assert (
        permissions.is_official(users["official"]) and users["official"].department == "Employment Services"
    )
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(u.is_superuser for name, u in users.items() if name != "admin")


def test_a_changed_password_survives_a_second_run():
    load()
    user = User.objects.get(username="official")
    user.set_password("a new secret of her own")
    user.save()
    load()
    user.refresh_from_db()
    assert user.check_password("a new secret of her own")


def test_groups_page_permissions():
    load()
    indexes = list(ConsultationIndexPage.objects.values_list("pk", flat=True))
    assert len(indexes) == 2  # the list and its French translation
    grants = set(GroupPagePermission.objects.values_list("group__name", "page_id", "permission__codename"))
    assert {
        (permissions.OFFICIALS_GROUP, pk, c)
        for pk in indexes
        for c in ("add_page", "change_page", "publish_page")
    } <= grants
    assert not {g for g in grants if g[0] == permissions.MODERATORS_GROUP}


def test_make_run_prints_the_accounts_last_at_its_own_port_and_no_e_mail(tmp_path):
    """What `make run PORT=8001` prints, as its load_demo step runs it (development settings, console
    e-mail, SQLite): the accounts and the addresses at that port come last, no notification e-mail
    after them (the demo's are dropped), and none left for `send_notifications` to print later."""
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    command = next(line for line in dry_run.stdout.splitlines() if "manage.py load_demo" in line)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    dev = {**env, "DJANGO_SETTINGS_MODULE": "cocreate.settings.dev"}
    subprocess.run([*manage, "migrate", "--noinput"], cwd=BASE_DIR, env=dev, capture_output=True, check=True)

    run = subprocess.run(command, shell=True, cwd=BASE_DIR, env=env, capture_output=True, text=True)  # noqa: S602
    later = subprocess.run(
        [*manage, "send_notifications"], cwd=BASE_DIR, env=dev, capture_output=True, text=True
    )

    assert run.returncode == 0, run.stderr[-3000:]
    printed = run.stdout
    assert "Subject:" not in printed and "Content-Type:" not in printed
    tail = printed.rstrip().splitlines()[-len(ACCOUNTS) - 6 :]
    assert tail[0].startswith("Demo accounts (password for all: cocreate-demo)")
    assert [line.split()[1] for line in tail[1 : len(ACCOUNTS) + 1]] == [a.email for a in ACCOUNTS]
    assert tail[-4:] == [
        "  site      http://127.0.0.1:8001/",
        "  CMS       http://127.0.0.1:8001/cms/   (staff: e-mail, password, then a code from any TOTP app",
        f"            set up on the key {DEMO_TOTP_SECRET})",
        "  API docs  http://127.0.0.1:8001/api/docs/",
    ]
    assert ":8000" not in printed
    assert later.returncode == 0, later.stderr[-3000:]
    assert "Subject:" not in later.stdout


def test_the_housing_consultation_has_districts_named_by_proposals_and_citizens():
    load()
    page = ConsultationPage.objects.get(slug=HOUSING_SLUG)

    areas = list(page.area_set.areas.all())
    assert [a.name for a in areas] == ["Old Town", "Riverside", "Station", "Hillside"]
    assert all(a.geometry["type"] == "Polygon" for a in areas)
    named = dict(
        Proposal.objects.filter(consultation=page, area__isnull=False).values_list("title", "area__name")
    )
    assert named == {
        "Pre-fill the form with last year's data": "Riverside",
        "One form for tenants and subtenants": "Old Town",
    }
    declared = DeclaredArea.objects.filter(area_set=page.area_set)
    assert declared.count() >= 4
    assert set(declared.values_list("area__name", flat=True)) == {a.name for a in areas}
