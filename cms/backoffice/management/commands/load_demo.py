"""Demo content for `make run`: the site root, two consultations, proposals, supports, a response, and
one account per role; the consultation list and the first consultation also in French, as an official
would publish them with the CMS's "Translate" action. The life events the home page lists, in both
languages; the first consultation's service journey in five stages, with the check-ins of the people who
went through it (a journey map with a breaking point to show); the housing consultation's four districts
(an area set, as uploaded in GeoJSON), named by some of its proposals and by the citizens who live in them.
Idempotent: a second run finds everything in place and writes nothing.

Proposals, supports, moderation, the status change, the response and the check-ins go through the
services, so the demo data is exactly what the site would hold had people clicked through it.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from wagtail.models import Locale, Page, Site
from wagtail.rich_text import RichText

from cms.areas import area_set_replace_areas, boundaries_from_geojson
from cms.models import (
    AreaSet,
    ConsultationCategory,
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationPhase,
    ConsultationStage,
    LifeEvent,
    ModerationMode,
)
from cms.roles import ensure_role_groups
from cocreate.accounts.models import User
from cocreate.accounts.roles import MODERATORS_GROUP, OFFICIALS_GROUP
from proposals import services as proposal_services
from proposals.models import CheckIn, FlagReason, Proposal, Status
from votes import services as vote_services

# Only ever set by this command, which refuses to run without DEBUG (see handle): never a production secret.
DEMO_PASSWORD = "cocreate-demo"  # noqa: S105
# Staff must sign in with a second factor (cocreate/accounts/mfa.py): the demo's moderator, official and admin
# come with an authenticator app set up on this key, which any TOTP app takes, printed with the password.
DEMO_TOTP_SECRET = "COCREATEDEMOSTAFFKEYCOCREATEDEMO"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    username: str
    email: str
    first_name: str
    last_name: str
    role: str
    group: str | None = None
    department: str = ""
    superuser: bool = False


ACCOUNTS = [
    DemoAccount("citizen", "citizen@example.org", "Amira", "Haddad", "citizen"),
    DemoAccount("citizen2", "citizen2@example.org", "Tom", "Becker", "citizen"),
    DemoAccount("moderator", "moderator@example.org", "Sam", "Okafor", "moderator", group=MODERATORS_GROUP),
    DemoAccount(
        "official",
        "official@example.org",
        "Claire",
        "Martin",
        "official",
        group=OFFICIALS_GROUP,
        department="Employment Services",
    ),
    DemoAccount("admin", "admin@example.org", "Ada", "Admin", "admin", superuser=True),
]
# Further citizens who wrote or supported proposals; they cannot log in (no usable password).
RESIDENTS = [
    ("r.dubois", "Rose", "Dubois"),
    ("k.nowak", "Karol", "Nowak"),
    ("l.ferreira", "Luana", "Ferreira"),
    ("j.smith", "Jordan", "Smith"),
    ("m.ahmed", "Mina", "Ahmed"),
    ("p.laine", "Pekka", "Laine"),
    ("s.rossi", "Sofia", "Rossi"),
    ("d.kim", "Daniel", "Kim"),
]

# People who only told how their claim went (check-ins): they cannot log in either. With the residents,
# the eighteen claimants of the journey map; the two demo citizens are left to check in themselves.
CLAIMANTS = [
    ("a.bernard", "Alice", "Bernard"),
    ("b.okoro", "Bayo", "Okoro"),
    ("c.lindqvist", "Cecilia", "Lindqvist"),
    ("d.moreau", "David", "Moreau"),
    ("e.costa", "Elena", "Costa"),
    ("f.yilmaz", "Fatma", "Yilmaz"),
    ("g.novak", "Goran", "Novak"),
    ("h.tanaka", "Hana", "Tanaka"),
    ("i.murphy", "Ian", "Murphy"),
    ("j.mensah", "Joy", "Mensah"),
]

BENEFIT_SLUG = "unemployment-benefit-journey"
HOUSING_SLUG = "housing-allowance-application"

# The French texts of the consultation list and of the first consultation; dates, threshold, proposals and
# the categories' slugs stay the original's (cms.models: a translation gives texts only, category names
# included).
FRENCH = "fr"
INDEX_INTRO_FR = (
    "<p>Aidez à repenser les services publics que vous utilisez. Proposez, soutenez, et lisez les réponses "
    "des agents qui en ont la charge.</p>"
)
BENEFIT_FR = {
    "title": "Repenser le parcours de l’allocation chômage",
    "service": "Allocation chômage",
    "intro": "Demander l’allocation chômage prend trop de temps et exige trop de démarches. Dites-nous où le "
    "parcours se grippe, proposez des solutions et soutenez les idées des autres.",
}
BENEFIT_BODY_FR = [
    ("heading", "Pourquoi nous vous consultons"),
    (
        "paragraph",
        "<p>L’an dernier, 41 000 personnes ont demandé l’allocation chômage dans la région. La "
        "moitié d’entre elles ont appelé la ligne d’assistance au moins trois fois avant leur premier "
        "versement.</p>",
    ),
    ("heading", "Ce que deviennent vos propositions"),
    (
        "paragraph",
        "<p>Chaque proposition qui réunit <b>8 soutiens</b> reçoit une réponse écrite du service Emploi "
        "sous 30 jours. Nous publions ce que nous décidons, et pourquoi.</p>",
    ),
    (
        "scope",
        {
            "on_the_table": [
                "La demande en ligne et ses formulaires",
                "Les pièces justificatives demandées et leur envoi",
                "Les rendez-vous avec les conseillers",
                "Les courriers et les notifications",
            ],
            "not_on_the_table": [
                "Le montant de l’allocation, fixé par la loi",
                "Les conditions d’attribution",
            ],
        },
    ),
]
BENEFIT_PHASES_FR = [
    ("Temps d’écoute", "Entretiens et ateliers avec des demandeurs et des conseillers."),
    ("Propositions et soutiens", "Proposez des changements et soutenez ceux qui vous conviennent."),
    ("Examen", "Le service Emploi étudie les propositions soutenues."),
    ("Décisions", "Les réponses officielles et le plan de refonte sont publiés."),
]
BENEFIT_CATEGORIES_FR = [
    ("Demande en ligne", "applying-online"),
    ("Pièces justificatives", "documents"),
    ("Rendez-vous et conseillers", "appointments"),
    ("Versements", "payments"),
    ("Accessibilité", "accessibility"),
]

# The service journey of the unemployment benefit: (slug, name, description), then the French texts by slug.
BENEFIT_STAGES = [
    ("eligibility", "Find out if I am eligible", "The rules, the simulator, the first questions."),
    ("apply-online", "Apply online", "The application form on the website."),
    ("documents", "Send documents", "Certificates, payslips and proof of identity."),
    ("decision", "Wait for the decision", "From a complete application to the letter."),
    ("first-payment", "First payment", "The first instalment reaching the bank account."),
]
BENEFIT_STAGES_FR = {
    "eligibility": ("Vérifier si j’y ai droit", "Les règles, le simulateur, les premières questions."),
    "apply-online": ("Faire la demande en ligne", "Le formulaire de demande sur le site."),
    "documents": ("Envoyer les justificatifs", "Attestations, fiches de paie et pièce d’identité."),
    "decision": ("Attendre la décision", "Du dossier complet jusqu’au courrier."),
    "first-payment": ("Premier versement", "Le premier versement arrivé sur le compte."),
}
# How far people went and how each stage felt (frustration, motivation: 1 to 5, cycled over the people who
# went through it). Those who gave up at a stage, the last of its people, go no further; "Send documents"
# is where frustration overtakes motivation: the breaking point of the map.
BENEFIT_CHECKINS = [
    # (stage slug, people, of whom gave up, frustration cycle, motivation cycle)
    ("eligibility", 18, 1, (1, 2, 2, 3, 2, 1, 2, 2), (4, 5, 4, 4, 3, 5, 4, 4)),
    ("apply-online", 17, 1, (3, 2, 3, 4, 3, 2, 3, 3), (4, 3, 4, 3, 4, 4, 3, 4)),
    ("documents", 16, 5, (4, 5, 4, 3, 5, 4, 4, 5), (2, 3, 2, 2, 3, 1, 2, 3)),
    ("decision", 11, 2, (4, 4, 5, 3, 4, 4), (2, 3, 2, 3, 2, 2)),
    ("first-payment", 9, 0, (2, 1, 2, 3, 2, 1), (4, 4, 5, 3, 4, 4)),
]
# The check-ins above came from the survey run before the consultation opened, over the two months before
# it (the first person's CHECKINS_DAYS_AGO days ago, then every third day), all before the phone upload
# opened; these were given today, on "Send documents", by claimants who sent theirs from a phone since it
# opened: (frustration, motivation), one per claimant of CLAIMANTS_AFTER.
CHECKINS_DAYS_AGO = 60
DOCUMENTS_AFTER = [(2, 4), (3, 3), (2, 4), (1, 4), (2, 3), (3, 4), (2, 4), (2, 3)]
CLAIMANTS_AFTER = [
    ("m.haddad", "Mehdi", "Haddad"),
    ("n.kowalczyk", "Nina", "Kowalczyk"),
    ("o.mensah", "Owen", "Mensah"),
    ("p.rossi", "Paola", "Rossi"),
    ("q.tran", "Quang", "Tran"),
    ("s.ivanova", "Sofia", "Ivanova"),
    ("t.oconnor", "Tom", "O'Connor"),
    ("u.diallo", "Umar", "Diallo"),
]
# The accepted proposal's implementation (days from today): (title, planned in, started, done, note).
BENEFIT_MILESTONES = [
    (
        "Phone upload open to everyone",
        -1,  # planned for yesterday, done today: a day late on the officials' dashboard
        0,
        0,
        "Photos from a phone are now accepted for every document, each page checked as it arrives.",
    ),
    (
        "Each page checked for readability on upload",
        10,
        0,
        None,
        "Testing the automatic check with claimants.",
    ),
    ("Ask for each document only once, across departments", 60, None, None, ""),
]
# A few told what happened: (stage slug, person, story).
BENEFIT_STORIES = [
    ("eligibility", 3, "The simulator said yes in two minutes. That part was easy."),
    ("apply-online", 5, "The form logged me out twice and I had to start again each time."),
    ("documents", 2, "They asked for my employer's certificate three times, by three different letters."),
    ("documents", 9, "I have no scanner and the library was closed. It took me a week to send one page."),
    (
        "documents",
        15,
        "I gave up: my former employer never sent the form, and nobody could tell me what else to do.",
    ),
    ("decision", 4, "Six weeks without news, and nobody on the phone could tell me why."),
    ("first-payment", 1, "The money came, but the letter explaining the amount made no sense to me."),
]
# The stage some proposals are about, by title.
BENEFIT_ACCEPTED = "Let me upload documents from my phone"  # accepted by the official's response
BENEFIT_PROPOSAL_STAGES = {
    "Let me upload documents from my phone": "documents",
    "Show where my application is": "decision",
    "Pay the first instalment within two weeks": "first-payment",
    "Save my application and finish it later": "apply-online",
    "Ask for each document only once": "documents",
    "A checklist before I start": "eligibility",
}

# The life events of the home page: (name, French name), in the officials' order; the consultations each
# lists. The housing allowance is what people claim when their income or household changes.
LIFE_EVENTS = [
    ("Losing a job", "Perdre son emploi"),
    ("Moving house", "Déménager"),
    ("Having a child", "Avoir un enfant"),
    ("Retiring", "Partir à la retraite"),
]
BENEFIT_LIFE_EVENTS = ["Losing a job"]
HOUSING_LIFE_EVENTS = ["Losing a job", "Moving house", "Having a child", "Retiring"]

BENEFIT_CATEGORIES = [
    ("Applying online", "applying-online"),
    ("Documents and proof", "documents"),
    ("Appointments and advisers", "appointments"),
    ("Payments", "payments"),
    ("Accessibility", "accessibility"),
]

# (author index into the citizen list, category slug, title, summary, body, supporters)
BENEFIT_PROPOSALS = [
    (
        0,
        "documents",
        "Let me upload documents from my phone",
        "Photograph a payslip or a certificate and send it from the phone instead of scanning it.",
        "Most people who lose their job do not own a scanner. The upload page should accept phone photos, "
        "straighten them and tell me at once if a page is unreadable.",
        9,
    ),
    (
        1,
        "applying-online",
        "Show where my application is",
        "A simple tracker: received, being checked, decided, first payment date.",
        "Today I call the hotline to learn whether anything happened. A tracker with the next step and its "
        "expected date would save those calls for everyone.",
        8,
    ),
    (
        2,
        "payments",
        "Pay the first instalment within two weeks",
        "Commit to a maximum delay between a complete application and the first payment.",
        "Rent does not wait. A published target, and an advance when it is missed, would make the first "
        "month far less frightening.",
        7,
    ),
    (
        3,
        "applying-online",
        "Save my application and finish it later",
        "The form times out after twenty minutes and everything is lost.",
        "Let me save a draft, come back with the missing document, and pick up where I stopped.",
        6,
    ),
    (
        4,
        "appointments",
        "Choose between a video call and a visit",
        "Offer the first adviser meeting by video, by phone or in person, as I prefer.",
        "Travelling to the office costs half a day and a bus ticket; for many a call would do as well.",
        5,
    ),
    (
        5,
        "accessibility",
        "Plain-language letters",
        "Rewrite the decision letters so that someone without legal training understands them.",
        "Every letter should start with what was decided, what it means for me, and what I can do next.",
        5,
    ),
    (
        6,
        "documents",
        "Ask for each document only once",
        "If another public service already holds a document, fetch it from them with my consent.",
        "I sent the same employer certificate three times to three different offices.",
        4,
    ),
    (
        7,
        "appointments",
        "Same adviser from start to finish",
        "Keep one named adviser for the whole claim instead of a new person at every meeting.",
        "Explaining my situation again at each appointment wastes my time and the adviser's.",
        3,
    ),
    (
        0,
        "accessibility",
        "Screen-reader friendly forms",
        "Test the online forms with screen readers and keyboard-only navigation.",
        "Several date pickers and the upload button cannot be reached without a mouse.",
        3,
    ),
    (
        1,
        "payments",
        "Text message when a payment is sent",
        "A short SMS on the day money leaves, with the amount.",
        "I check my bank account every morning at the end of the month; a message would end that.",
        2,
    ),
    (
        2,
        "applying-online",
        "A checklist before I start",
        "Tell me up front which documents and numbers I will need.",
        "A one-page list on the start page would spare people from abandoning the form half way.",
        1,
    ),
    (
        3,
        "accessibility",
        "Forms in more languages",
        "Offer the application in the most spoken languages of the region.",
        "Translations of the main form and the letters would help newcomers claim what they are owed.",
        0,
    ),
]

# The housing consultation's districts: four squares of a made-up city, two by two, as an official would
# upload them (GeoJSON, WGS84), named north-west to south-east; the district of each housing proposal, by
# title, and of each citizen who says where they live (by place in `citizens`, cycled over the districts).
HOUSING_AREA_SET = "City districts"
HOUSING_DISTRICTS = [
    ("Old Town", 4.80, 45.77),
    ("Riverside", 4.83, 45.77),
    ("Station", 4.80, 45.74),
    ("Hillside", 4.83, 45.74),
]
HOUSING_DISTRICT_SIDE = 0.03  # degrees: about 2.3 km east-west and 3.3 km north-south at this latitude
HOUSING_PROPOSAL_DISTRICTS = {
    "Pre-fill the form with last year's data": "Riverside",
    "One form for tenants and subtenants": "Old Town",
}


def _districts_geojson() -> bytes:
    side = HOUSING_DISTRICT_SIDE
    features = []
    for name, west, south in HOUSING_DISTRICTS:
        ring = [[west, south], [west + side, south], [west + side, south + side], [west, south + side]]
        geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        features.append({"type": "Feature", "properties": {"name": name}, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


HOUSING_PROPOSALS = [
    (
        4,
        "Pre-fill the form with last year's data",
        "Most households' situation barely changes: start from what the office already knows.",
        "Show last year's answers and let me confirm or correct them.",
        True,
    ),
    (
        5,
        "Estimate my allowance before I apply",
        "A simulator that tells me roughly what I would receive.",
        "People do not apply because they assume they are not eligible; an estimate would show them.",
        True,
    ),
    (
        6,
        "One form for tenants and subtenants",
        "Subtenants fill in a separate paper form; merge it into the online one.",
        "The paper form is slow and easy to lose; the questions are almost the same.",
        False,
    ),
]


def _rich(html: str) -> RichText:
    return RichText(html)


class Command(BaseCommand):
    help = "Load demo consultations, proposals and one account per role (development only; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="",
            help="The address the site is served at, printed with the demo accounts (`make run` passes "
            "http://HOST:PORT). Default: WAGTAILADMIN_BASE_URL.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off. The demo accounts share a published password: never on a "
            "real site.",
        )

    def handle(self, *args, force: bool = False, url: str = "", **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a real site, and the demo accounts share a known password. "
                "Use --force only on a throwaway database."
            )
        # One transaction: a failure half way leaves nothing behind, so the next run starts clean. The
        # notifications the demo's actions cause are kept in the site, but their e-mails (to the demo's
        # made-up addresses) are dropped rather than printed over the accounts list: sent at the commit,
        # in this thread ("inline"), while the dropping backend is still the one in force. A background
        # thread would send them after it, through the console backend that `make run` keeps for the
        # e-mails people cause later.
        with (
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
                NOTIFICATION_EMAILS_AFTER_COMMIT="inline",
            ),
            transaction.atomic(),
        ):
            index = self._site_root()
            ensure_role_groups()  # after the site root exists, so officials get their page permissions
            accounts = {a.username: self._account(a) for a in ACCOUNTS}
            residents = [self._resident(*r) for r in RESIDENTS]
            citizens = [accounts["citizen"], accounts["citizen2"], *residents]
            claimants = [*residents, *(self._resident(*c) for c in CLAIMANTS)]
            events, created = self._life_events()
            created |= self._benefit_consultation(index, citizens, accounts, events)
            created |= self._housing_consultation(index, citizens, accounts, events)
            created |= self._benefit_in_french(index)
            created |= self._life_events_in_french(events)
            created |= self._benefit_checkins(claimants, [self._resident(*c) for c in CLAIMANTS_AFTER])
            created |= self._benefit_milestones(accounts["official"])
            ensure_role_groups()  # again: officials get their page permissions on the French list too
        self._report(created, base=(url or settings.WAGTAILADMIN_BASE_URL).rstrip("/"))

    # --- structure ------------------------------------------------------------------------------------

    def _site_root(self) -> ConsultationIndexPage:
        """The consultation list as the default site's root, in place of Wagtail's "Welcome" page."""
        index = ConsultationIndexPage.objects.first()
        if index is None:
            Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
            index = ConsultationIndexPage(
                title="Consultations",
                slug="consultations",
                intro="<p>Help redesign the public services you use. Propose, support, and read the "
                "answers of the officials in charge.</p>",
            )
            Page.get_first_root_node().add_child(instance=index)
            index.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost", port=80, root_page=index, is_default_site=True, site_name="cocreate"
            )
        elif site.root_page_id != index.pk:
            site.root_page = index
            site.site_name = site.site_name or "cocreate"
            site.save()
        # Wagtail's initial migration makes a bare "Welcome" page. Removed only once no site uses it (a
        # site's root page is deleted in cascade with its site) and only that exact page: a plain Page,
        # without children, next to the consultation list.
        for page in index.get_siblings(inclusive=False).filter(
            content_type__app_label="wagtailcore",
            content_type__model="page",
            numchild=0,
            sites_rooted_here=None,
        ):
            page.delete()
        return index

    def _account(self, spec: DemoAccount) -> User:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "email": spec.email,
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "department": spec.department,
                "is_staff": spec.superuser,
                "is_superuser": spec.superuser,
            },
        )
        if created:
            # Only a new account gets the demo password: a password changed since is left alone.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if spec.group:
            user.groups.add(Group.objects.get(name=spec.group))
        if spec.group or spec.superuser:
            self._second_factor(user)
        self._verified_email(user)
        return user

    @staticmethod
    def _second_factor(user: User) -> None:
        """The demo key's authenticator app, as allauth's set-up page would record it (one a person set up
        since is left alone)."""
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)

    def _resident(self, username: str, first_name: str, last_name: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.org", "first_name": first_name, "last_name": last_name},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        self._verified_email(user)
        return user

    @staticmethod
    def _verified_email(user: User) -> None:
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )

    # --- content --------------------------------------------------------------------------------------

    @staticmethod
    def _life_events() -> tuple[dict[str, LifeEvent], set[str]]:
        """The life events officials would have written as snippets, by English name."""
        events, created = {}, set()
        locale = Locale.objects.get(language_code=settings.LANGUAGE_CODE)
        for order, (name, _french) in enumerate(LIFE_EVENTS, start=1):
            events[name], new = LifeEvent.objects.get_or_create(
                name=name, locale=locale, defaults={"sort_order": order}
            )
            if new:
                created.add(f"life event {name}")
        return events, created

    def _benefit_consultation(self, index, citizens, accounts, events) -> set[str]:
        if ConsultationPage.objects.filter(slug=BENEFIT_SLUG).exists():
            return set()
        now, today = timezone.now(), timezone.localdate()
        page = ConsultationPage(
            title="Redesigning the unemployment-benefit journey",
            slug=BENEFIT_SLUG,
            service="Unemployment benefit",
            intro="Claiming unemployment benefit takes too long and asks too much. Tell us where the "
            "journey breaks, propose how to fix it, and support the ideas of others.",
            body=[
                ("heading", "Why we are asking"),
                (
                    "paragraph",
                    _rich(
                        "<p>Last year 41,000 people claimed unemployment benefit in the region. Half of "
                        "them called the hotline at least three times before their first payment.</p>"
                    ),
                ),
                ("heading", "What happens to your proposals"),
                (
                    "paragraph",
                    _rich(
                        "<p>Every proposal with <b>8 supports</b> gets a written answer from Employment "
                        "Services within 30 days. We publish what we decide, and why.</p>"
                    ),
                ),
                (
                    "scope",
                    {
                        "on_the_table": [
                            "The online application and its forms",
                            "Documents we ask for and how you send them",
                            "Appointments with advisers",
                            "Letters and notifications",
                        ],
                        "not_on_the_table": [
                            "The amount of the benefit, which is set by law",
                            "Eligibility rules",
                        ],
                    },
                ),
            ],
            opens_at=now - timedelta(days=7),
            closes_at=now + timedelta(days=42),
            # Low enough for the demo's ten citizens to carry two proposals past it, so `make run` shows
            # the promise: one answered, one awaiting its response by a visible deadline.
            support_threshold=8,
            response_deadline_days=30,
            moderation_mode=ModerationMode.POST,
        )
        page.phases = [
            ConsultationPhase(
                title="Listening sessions",
                description="Interviews and workshops with claimants and advisers.",
                starts_on=today - timedelta(days=28),
                ends_on=today - timedelta(days=8),
            ),
            ConsultationPhase(
                title="Proposals and support",
                description="Propose changes and support the ones you agree with.",
                starts_on=today - timedelta(days=7),
                ends_on=today + timedelta(days=42),
            ),
            ConsultationPhase(
                title="Review",
                description="Employment Services assesses the supported proposals.",
                starts_on=today + timedelta(days=43),
                ends_on=today + timedelta(days=72),
            ),
            ConsultationPhase(
                title="Decisions",
                description="Official responses and the redesign plan are published.",
                starts_on=today + timedelta(days=73),
                ends_on=today + timedelta(days=100),
            ),
        ]
        page.categories = [
            ConsultationCategory(name=name, slug=slug, sort_order=i)
            for i, (name, slug) in enumerate(BENEFIT_CATEGORIES)
        ]
        page.stages = [
            ConsultationStage(name=name, slug=slug, description=description, sort_order=i)
            for i, (slug, name, description) in enumerate(BENEFIT_STAGES)
        ]
        page.life_events = [events[name] for name in BENEFIT_LIFE_EVENTS]
        index.add_child(instance=page)
        page.save_revision().publish()

        categories = {c.slug: c for c in page.categories.all()}
        stages = {s.slug: s for s in page.stages.all()}
        proposals = []
        for author, category, title, summary, body, supporters in BENEFIT_PROPOSALS:
            stage = BENEFIT_PROPOSAL_STAGES.get(title)
            proposal = proposal_services.proposal_submit(
                author=citizens[author],
                consultation=page,
                title=title,
                summary=summary,
                body=body,
                category=categories[category],
                stage=stages[stage] if stage else None,
            )
            backers = [c for c in citizens if c != citizens[author]][:supporters]
            for citizen in backers:
                vote_services.support_add(user=citizen, proposal=proposal)
            proposals.append(proposal)

        official = accounts["official"]
        proposal_services.proposal_set_status(
            actor=official,
            proposal=proposals[1],
            status=Status.UNDER_REVIEW,
            note="The case-management team is checking what the current system can show.",
        )
        proposal_services.response_publish(
            actor=official,
            proposal=proposals[0],
            body="Thank you. Phone uploads will be part of the new application, with an automatic check "
            "that each page is readable. We will test it with claimants this spring.",
            decision=Status.ACCEPTED,
        )
        self._benefit_discussion(proposals, citizens, accounts)
        return {page.title}

    @staticmethod
    def _benefit_discussion(proposals, citizens, accounts) -> None:
        """A thread with a reply and an official's comment, and an off-topic comment a citizen reported,
        so the moderation queue has a report in it."""
        question = proposal_services.comment_post(
            author=citizens[3],
            proposal=proposals[1],
            body="Would this also show which documents are still missing? That is what I kept calling about.",
        )
        proposal_services.comment_post(
            author=citizens[4],
            proposal=proposals[1],
            parent=question,
            body="Yes please. A list of what is missing, with the date it was asked for.",
        )
        proposal_services.comment_post(
            author=accounts["official"],
            proposal=proposals[1],
            body="We are checking whether the case-management system can show missing documents to "
            "claimants. We will post what we find here.",
        )
        off_topic = proposal_services.comment_post(
            author=citizens[5],
            proposal=proposals[2],
            body="Does anyone know a good removal company in the north of the city?",
        )
        proposal_services.flag_create(reporter=citizens[1], comment=off_topic, reason=FlagReason.OFF_TOPIC)

    def _housing_consultation(self, index, citizens, accounts, events) -> set[str]:
        if ConsultationPage.objects.filter(slug=HOUSING_SLUG).exists():
            return set()
        now, today = timezone.now(), timezone.localdate()
        page = ConsultationPage(
            title="Simplifying the housing-allowance application",
            slug=HOUSING_SLUG,
            service="Housing allowance",
            intro="The housing-allowance form has 14 pages. Help us cut it down to what is really needed.",
            body=[
                ("heading", "How this consultation works"),
                (
                    "paragraph",
                    _rich(
                        "<p>Proposals are read by a moderator before they appear. Anything respectful "
                        "and on topic is published.</p>"
                    ),
                ),
            ],
            opens_at=now - timedelta(days=2),
            closes_at=now + timedelta(days=56),
            support_threshold=25,
            response_deadline_days=30,
            moderation_mode=ModerationMode.PRE,
        )
        page.phases = [
            ConsultationPhase(
                title="Proposals",
                starts_on=today - timedelta(days=2),
                ends_on=today + timedelta(days=56),
            ),
            ConsultationPhase(
                title="Decisions",
                starts_on=today + timedelta(days=57),
                ends_on=today + timedelta(days=90),
            ),
        ]
        page.categories = [
            ConsultationCategory(name="The form", slug="form", sort_order=0),
            ConsultationCategory(name="Eligibility information", slug="eligibility", sort_order=1),
        ]
        page.life_events = [events[name] for name in HOUSING_LIFE_EVENTS]
        page.area_set = self._housing_districts()
        index.add_child(instance=page)
        page.save_revision().publish()
        districts = {area.name: area for area in page.area_set.areas.all()}
        for i, citizen in enumerate(citizens):
            area = districts[HOUSING_DISTRICTS[i % len(HOUSING_DISTRICTS)][0]]
            proposal_services.declared_area_set(user=citizen, area_set_id=area.area_set_id, area_id=area.pk)

        form = page.categories.get(slug="form")
        moderator = accounts["moderator"]
        for author, title, summary, body, approve in HOUSING_PROPOSALS:
            proposal = proposal_services.proposal_submit(
                author=citizens[author],
                consultation=page,
                title=title,
                summary=summary,
                body=body,
                category=form,
                area=districts.get(HOUSING_PROPOSAL_DISTRICTS.get(title, "")),
            )
            # The last one stays pending, so the moderation queue has something in it.
            if approve:
                proposal_services.proposal_moderate(actor=moderator, proposal=proposal, action="approve")
                published = proposal
        # Pre-moderated: the comment waits in the queue too.
        proposal_services.comment_post(
            author=citizens[2],
            proposal=published,
            body="The page about rent receipts could be one question: how much do you pay each month?",
        )
        return {page.title}

    @staticmethod
    def _housing_districts() -> AreaSet:
        """The city's districts, through the checks and the replacement an official's upload goes through."""
        area_set = AreaSet.objects.create(name=HOUSING_AREA_SET)
        area_set_replace_areas(area_set=area_set, boundaries=boundaries_from_geojson(_districts_geojson()))
        return area_set

    def _benefit_in_french(self, index) -> set[str]:
        """The French translation of the list and of the first consultation, published: what an official
        gets from the CMS's "Translate" action (a copy in the French tree), then writes and publishes."""
        locale, _created = Locale.objects.get_or_create(language_code=FRENCH)
        page = index.get_children().type(ConsultationPage).filter(slug=BENEFIT_SLUG).specific().first()
        if page is None or page.has_translation(locale):
            return set()
        index_fr = index.get_translation_or_none(locale)
        if index_fr is None:
            index_fr = index.copy_for_translation(locale)
            index_fr.intro = INDEX_INTRO_FR
            index_fr.save_revision().publish()
        page_fr = page.copy_for_translation(locale)
        for name, value in BENEFIT_FR.items():
            setattr(page_fr, name, value)
        page_fr.body = [
            (kind, _rich(value) if kind == "paragraph" else value) for kind, value in BENEFIT_BODY_FR
        ]
        for phase, (title, description) in zip(page_fr.phases.all(), BENEFIT_PHASES_FR, strict=True):
            phase.title, phase.description = title, description
            phase.save(update_fields=["title", "description"])
        names = {slug: name for name, slug in BENEFIT_CATEGORIES_FR}
        for category in page_fr.categories.all():
            category.name = names[category.slug]
            category.save(update_fields=["name"])
        for stage in page_fr.stages.all():
            stage.name, stage.description = BENEFIT_STAGES_FR[stage.slug]
            stage.save(update_fields=["name", "description"])
        page_fr.save_revision().publish()
        return {f"{page_fr.title} (fr)"}

    @staticmethod
    def _life_events_in_french(events: dict[str, LifeEvent]) -> set[str]:
        """What the snippet's "Translate" action makes, named in French."""
        locale = Locale.objects.filter(language_code=FRENCH).first()
        if locale is None:
            return set()
        created = set()
        for name, french in LIFE_EVENTS:
            if not events[name].has_translation(locale):
                translation = events[name].copy_for_translation(locale)
                translation.name = french
                translation.save()
                created.add(f"life event {french} (fr)")
        return created

    @staticmethod
    def _benefit_checkins(claimants, claimants_after) -> set[str]:
        """How the journey went for the claimants, stage by stage (BENEFIT_CHECKINS), told through the
        check-in service as each of them would on the consultation's page. Only once: a journey with any
        check-in is left as it is."""
        page = ConsultationPage.objects.filter(slug=BENEFIT_SLUG).canonical().first()
        if page is None or CheckIn.objects.filter(consultation=page).exists():
            return set()
        stages = {stage.slug: stage for stage in page.stages.all()}
        if set(stages) != {slug for slug, *_rest in BENEFIT_STAGES}:  # changed by an official: not ours
            return set()
        stories = {(slug, person): story for slug, person, story in BENEFIT_STORIES}
        today = timezone.localdate()
        for slug, people, gave_up, frustration, motivation in BENEFIT_CHECKINS:
            for person in range(people):
                quit_here = person >= people - gave_up
                proposal_services.checkin_save(
                    author=claimants[person],
                    consultation=page,
                    stage_id=stages[slug].pk,
                    frustration=5 if quit_here else frustration[person % len(frustration)],
                    motivation=1 if quit_here else motivation[person % len(motivation)],
                    gave_up=quit_here,
                    story=stories.get((slug, person), ""),
                    day=today - timedelta(days=CHECKINS_DAYS_AGO - 3 * person),
                )
        for claimant, (frustration, motivation) in zip(claimants_after, DOCUMENTS_AFTER, strict=True):
            proposal_services.checkin_save(
                author=claimant,
                consultation=page,
                stage_id=stages["documents"].pk,
                frustration=frustration,
                motivation=motivation,
                gave_up=False,
            )
        return {f"check-ins on “{page.title}”"}

    @staticmethod
    def _benefit_milestones(official) -> set[str]:
        """The accepted proposal's implementation (BENEFIT_MILESTONES), as the official moved it: one step
        done (a day late), one in progress, one ahead; the What changed page compares the check-ins on its
        stage before and after the first. Only once: a proposal with any step is left as it is."""
        proposal = Proposal.objects.filter(title=BENEFIT_ACCEPTED, status=Status.ACCEPTED).first()
        if proposal is None or proposal.milestones.exists():
            return set()
        today = timezone.localdate()
        for title, planned_in, started, done, note in BENEFIT_MILESTONES:
            step = proposal_services.milestone_add(
                actor=official, proposal=proposal, title=title, planned_for=today + timedelta(days=planned_in)
            )
            if started is not None:
                proposal_services.milestone_update(
                    actor=official,
                    milestone_id=step.pk,
                    state="in_progress",
                    on=today + timedelta(days=started),
                    note="" if done is not None else note,
                )
            if done is not None:
                proposal_services.milestone_update(
                    actor=official,
                    milestone_id=step.pk,
                    state="done",
                    on=today + timedelta(days=done),
                    note=note,
                )
        return {f"implementation steps of “{proposal.title}”"}

    # --- output ---------------------------------------------------------------------------------------

    def _report(self, created: set[str], *, base: str) -> None:
        out = self.stdout
        if created:
            out.write(self.style.SUCCESS("Demo content loaded: " + "; ".join(sorted(created))))
        else:
            out.write("Demo content already present; nothing changed.")
        out.write("")
        out.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for spec in ACCOUNTS:
            out.write(f"  {spec.role:<10} {spec.email:<24} (username {spec.username})")
        out.write("")
        out.write(f"  site      {base}/")
        out.write(f"  CMS       {base}/cms/   (staff: e-mail, password, then a code from any TOTP app")
        out.write(f"            set up on the key {DEMO_TOTP_SECRET})")
        out.write(f"  API docs  {base}/api/docs/")
