"""Context for the Wagtail consultation page, the data the live script needs on any live page, and the data
of the similar-proposals widget on the submission form.

`cms.models.ConsultationPage.get_context` calls `consultation_context`. It runs a fixed number of queries
whatever the number of proposals: the page of proposals (with category and a has-response flag), its count,
the viewer's supports among them, the categories, the stages and the phases.
"""

import functools
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef
from django.urls import get_script_prefix, reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext
from wagtail.models import Locale

from cms.locales import active_locale
from cms.models import ConsultationCategory, ConsultationStage
from proposals import permissions, selectors
from proposals.models import MilestoneState, OfficialResponse, Proposal, Status
from proposals.participation import participation_context
from proposals.services import SUMMARY_MAX, TITLE_MAX
from votes.selectors import supported_ids

from .area_maps import consultation_area_map
from .charts import funnel_steps
from .forms import ProposalFilterForm
from .journey_map import journey_config, journey_map_view

PAGE_SIZE = 20


def consultation_context(request, page) -> dict:
    user = request.user
    categories = list(page.categories.all())
    page.localize_categories(categories)
    stages = page.localized_stages()
    areas = list(selectors.areas_of_set(page.area_set_id)) if page.area_set_id else []
    filters = ProposalFilterForm(request.GET or None, categories=categories, stages=stages, areas=areas)
    params = filters.params()
    proposals = selectors.proposal_list(consultation_id=page.pk, user=user, **params).annotate(
        has_response=Exists(OfficialResponse.objects.filter(proposal=OuterRef("pk")))
    )
    page_obj: Page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    names = {category.slug: category.name for category in categories}
    stage_names = {stage.slug: stage.name for stage in stages}
    for proposal in page_obj.object_list:
        if proposal.category is not None:
            proposal.category.name = names.get(proposal.category.slug, proposal.category.name)
        if proposal.stage is not None:
            proposal.stage.name = stage_names.get(proposal.stage.slug, proposal.stage.name)
    state = page.phase_state()
    # The filters without the page number, for the pagination links.
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "phases": list(page.phases.all()),
        "categories": categories,
        "state": state,
        "filters": filters,
        "filtered": bool(params["status"] or params["category"] or params["stage"] or params["area"]),
        "page_obj": page_obj,
        "page_query": query.urlencode(),
        "proposals": page_obj.object_list,
        "supported_ids": supported_ids(user=user, proposal_ids=[p.pk for p in page_obj]),
        "can_participate": permissions.can_participate(user),
        **participation_context(user, page),
        "supports_open": state == "open",
        # What a live insertion must match to belong on this page (see live.js, proposal.published).
        "live_filter": {
            "first_page": page_obj.number == 1,
            "ordering": params["ordering"],
            "page_size": PAGE_SIZE,
            "status": params["status"] or "",
            "category": params["category"] or "",  # a slug, as events carry it
            "stage": params["stage"] or "",  # a slug too
            "area": params["area"],  # an id, or None
        },
        "live_config": live_config(),
        "card_template_proposal": card_template_proposal(page),
        "funnel": funnel_steps(consultation=page),
        # None without stages: the page then has no journey map.
        "journey_map": journey_map_view(consultation=page, stages=stages),
        "journey_config": journey_config(page),
        # None without an area set: the page then has no map of its areas.
        "area_map": consultation_area_map(consultation=page),
    }


def category_names_by_slug(slugs) -> dict[str, str]:
    """For a facet that counts categories of several consultations by slug: the name each slug has in the
    reader's language, where the live pages in that language that have it all give it the same one."""
    return _names_by_slug(ConsultationCategory, slugs)


def stage_names_by_slug(slugs) -> dict[str, str]:
    """As category_names_by_slug, for the stages of the consultations' journeys."""
    return _names_by_slug(ConsultationStage, slugs)


def _names_by_slug(model, slugs) -> dict[str, str]:
    try:
        locale = active_locale()
    except Locale.DoesNotExist:
        return {}
    names: dict[str, set[str]] = {}
    for slug, name in model.objects.filter(
        slug__in=list(slugs), page__locale=locale, page__live=True
    ).values_list("slug", "name"):
        names.setdefault(slug, set()).add(name)
    return {slug: name for slug, (name, *others) in names.items() if not others}


def card_template_proposal(page) -> Proposal:
    """The empty proposal of the card that live.js clones, with what selectors.proposal_list annotates. No
    language: a card added live has its text in a language the template cannot know."""
    proposal = Proposal(id=0, status=Status.OPEN, language="")
    proposal.support_threshold = page.support_threshold
    return proposal


def plural_forms(message) -> dict[str, str]:
    """A message's plural forms by Unicode plural category, for live.js to pick with Intl.PluralRules.

    `message(n)` translates for the number n. The site's languages (English, French) have two forms,
    "one" and "other"; gettext gives "one" for 1 and "other" for 2 in both.
    """
    return {"one": message(1), "other": message(2)}


# The format characters of Django's dateformat that name a month in the active language; the others are
# numbers, or a.m., p.m., noon and midnight, which date_config sends as they are.
MONTH_NAMES = "FNbME"


def format_specs(*formats: str) -> set[str]:
    """The format characters in Django date formats, without those escaped by a backslash."""
    specs, escaped = set(), False
    for char in "".join(formats):
        if not escaped and char != "\\":
            specs.add(char)
        escaped = char == "\\" and not escaped
    return specs


def date_config() -> dict:
    """How the server writes dates and times (DATE_FORMAT and DATETIME_FORMAT of the active language, in
    the site's time zone), for the browser to write the dates it inserts the same way (shared.js
    formatDate): the formats themselves, and the words they take in this language (the month names they
    use, a.m., noon), which Intl cannot always give ("Sept." in English)."""
    date_format, datetime_format = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
    specs = format_specs(date_format, datetime_format)
    return {
        "time_zone": timezone.get_current_timezone_name(),
        "date_format": date_format,
        "datetime_format": datetime_format,
        "months": {
            spec: [dateformat.format(date(2000, month, 1), spec) for month in range(1, 13)]
            for spec in MONTH_NAMES
            if spec in specs
        },
        "ampm": {
            spec: [dateformat.format(datetime(2000, 1, 1, hour), spec) for hour in (9, 21)] for spec in "aA"
        },
        "midnight": dateformat.format(datetime(2000, 1, 1, 0, 0), "P"),
        "noon": dateformat.format(datetime(2000, 1, 1, 12, 0), "P"),
    }


def live_config() -> dict:
    """Translated strings and URL patterns for live.js, rendered with json_script (no inline script). The
    same for every request in a language, time zone and script prefix: made once for each in this process
    (the translations and URLs are the process's own). Shared: read it, never change it."""
    return _live_config(get_language(), timezone.get_current_timezone_name(), get_script_prefix())


@functools.lru_cache(maxsize=32)
def _live_config(language: str, time_zone: str, script_prefix: str) -> dict:
    """live_config for the language, time zone and script prefix that are active (its arguments are the
    cache's key)."""
    return {
        # Plural choices are made in the browser with Intl.PluralRules for the page's language; each
        # message is sent in the forms that rule can name for our languages ("one" covers 0 in French).
        "supports_label": plural_forms(
            lambda n: npgettext("after a number of supports", "support", "supports", n)
        ),
        "status_labels": {value: str(label) for value, label in Status.choices},
        "support_url": reverse("proposal_support", args=[0]),
        "withdraw_url": reverse("proposal_support_withdraw", args=[0]),
        "detail_url": reverse("proposal_detail", args=[0]),
        "supports_chart_url": reverse("proposal_supports_chart", args=[0]),
        "unfollow_url": reverse("proposal_unfollow", args=[0]),
        "date": date_config(),
        "t": {
            "new_proposal": gettext("New proposal: %(title)s"),
            # The title in a support or follow button's hidden name: « … » in French.
            "quoted_title": pgettext("a proposal's title, quoted in a button's name", "“%(title)s”"),
            "status_changed": gettext("“%(title)s” is now: %(status)s"),
            "response_published": gettext("An official response was published for “%(title)s”."),
            "proposal_hidden": gettext("A proposal was removed by moderation."),
            "proposal_edited": gettext("“%(title)s” was edited by its author."),
            "proposal_withdrawn": gettext("“%(title)s” was withdrawn by its author."),
            "proposal_merged": gettext("“%(title)s” was merged into “%(into)s”."),
            "this_merged": gettext("This proposal was merged into “%(into)s”: read it there."),
            "withdrawn_heading": gettext("Withdrawn by its author"),
            "reason_given": gettext("Reason given:"),
            "this_withdrawn": gettext(
                "Its author withdrew this proposal. It stays here as it was, with its supports, but takes no "
                "new ones."
            ),
            "no_new_supports": gettext("Its author withdrew this proposal: it takes no new supports."),
            "this_hidden": gettext("This proposal has been removed by moderation."),
            "updates": plural_forms(lambda n: ngettext("and %(n)s more update", "and %(n)s more updates", n)),
            "reconnecting": gettext("Live updates paused: reconnecting…"),
            "reconnected": gettext("Live updates are back."),
            "added": gettext("Your support was added."),
            "withdrawn": gettext("Your support was withdrawn."),
            "stop_following": gettext("Stop following"),
            "supports_now": plural_forms(
                lambda n: ngettext(
                    "“%(title)s” now has %(count)s support.", "“%(title)s” now has %(count)s supports.", n
                )
            ),
            "error": gettext("Something went wrong. Please try again."),
            "offline": gettext("We could not reach the server. Check your connection and try again."),
            "official_response": gettext("Official response"),
            "official": pgettext("author of an official response", "Official"),
            "decision": gettext("Decision:"),
            "published_on": gettext("Published on %(date)s"),
            # The petition promise (frontend/includes/threshold.html); the date goes where %(date)s is.
            "threshold_progress": plural_forms(
                lambda n: ngettext(
                    "%(count)s of %(threshold)s support", "%(count)s of %(threshold)s supports", n
                )
            ),
            "threshold_met": plural_forms(
                lambda n: ngettext(
                    "Threshold reached: %(count)s support (%(threshold)s needed)",
                    "Threshold reached: %(count)s supports (%(threshold)s needed)",
                    n,
                )
            ),
            "threshold_due": gettext("An official response is due by %(date)s"),
            "threshold_overdue_label": gettext("Overdue:"),
            "threshold_overdue": gettext("the response was due on %(date)s"),
            "threshold_answered": gettext("Answered on %(date)s"),
            "threshold_withdrawn": gettext(
                "“%(title)s” no longer reaches its support threshold: supports were set aside, and the "
                "promise of a response is withdrawn."
            ),
            "threshold_reached": plural_forms(
                lambda n: ngettext(
                    "“%(title)s” reached %(count)s support: an official response is due by %(date)s.",
                    "“%(title)s” reached %(count)s supports: an official response is due by %(date)s.",
                    n,
                )
            ),
            # An implementation step (frontend/includes/milestones.html), and what is said when one changes.
            "milestone_planned_for": gettext("Planned for"),
            "milestone_started_on": gettext("Started on"),
            "milestone_done_on": gettext("Done on"),
            "milestone_late": pgettext("an implementation step past its planned date", "Late"),
            "milestone_done_late": gettext("Done late"),
            "milestone_changed": gettext("Implementation of “%(title)s”, step “%(step)s”: %(state)s."),
        },
        "milestone_states": {value: str(label) for value, label in MilestoneState.choices},
    }


SIMILAR_MIN_LETTERS = 3  # no suggestions before the title has this many letters
SIMILAR_LIMIT = 5


def similar_config(consultation) -> dict:
    """Translated strings and URLs for similar.js on the submission form, rendered with json_script."""
    return {
        "consultation": consultation.pk,
        "similar_url": reverse("proposal-similar"),
        # Reversed with the id 0, as in live_config: "/api/v1/proposals/0/support/".
        "support_url": reverse("proposal-support", args=[0]),
        "min_letters": SIMILAR_MIN_LETTERS,
        "limit": SIMILAR_LIMIT,
        # The API takes at most a proposal's title and summary: a longer draft is cut, not refused.
        "title_max": TITLE_MAX,
        "summary_max": SUMMARY_MAX,
        "supports_label": plural_forms(
            lambda n: npgettext("after a number of supports", "support", "supports", n)
        ),
        "status_labels": {value: str(label) for value, label in Status.choices},
        "t": {
            "found": plural_forms(
                lambda n: ngettext(
                    "%(count)s similar proposal already exists.",
                    "%(count)s similar proposals already exist.",
                    n,
                )
            ),
            "new_tab": gettext("(opens in a new tab)"),
            "quoted_title": pgettext("a proposal's title, quoted in a button's name", "“%(title)s”"),
            "support": gettext("Support"),
            "supported": gettext("You support this"),
            "added": gettext("Your support was added."),
            "error": gettext("Something went wrong. Please try again."),
            "offline": gettext("We could not reach the server. Check your connection and try again."),
        },
    }
