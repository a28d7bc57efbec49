"""The officials' daily digest: thresholds crossed, responses overdue and due soon, per consultation."""

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from cms.models import ConsultationPage

from .. import permissions
from ..models import Proposal
from .delivery import absolute_url, email_language, render_email

log = logging.getLogger(__name__)


@dataclass
class DigestGroup:
    consultation: object
    crossed: list
    overdue: list
    due_soon: list
    title: str = ""  # the consultation's, in the reader's language (digest_in_language)


def digest_in_language(groups: list[DigestGroup], language: str) -> list[DigestGroup]:
    """`groups` with their consultations named in `language` (their published translation in it, if they
    have one), in the order of those names."""
    with translation.override(language):
        pages = ConsultationPage.localized_list([group.consultation for group in groups])
    named = [replace(group, title=page.title) for group, page in zip(groups, pages, strict=True)]
    return sorted(named, key=lambda group: (group.title.lower(), group.consultation.pk))


def digest_groups(*, now=None) -> list[DigestGroup]:
    """Per consultation (by title): published proposals still without a response that crossed their
    threshold in the 24 hours before `now`, those whose response is overdue, and those due in the next 7
    days. Not a duplicate merged into another (votes.merging): the one it went into carries its promise."""
    now = now or timezone.now()
    published = Proposal.objects.listed().select_related("consultation").defer("search_en", "search_fr")
    unanswered = published.filter(responded_at__isnull=True)
    sections = {
        # Already answered (a response can come before the threshold): nothing left to ask of anyone.
        "crossed": unanswered.filter(
            threshold_reached_at__gt=now - timedelta(hours=24), threshold_reached_at__lte=now
        ).order_by("threshold_reached_at", "id"),
        "overdue": unanswered.filter(response_due_at__lte=now).order_by("response_due_at", "id"),
        "due_soon": unanswered.filter(
            response_due_at__gt=now, response_due_at__lte=now + timedelta(days=7)
        ).order_by("response_due_at", "id"),
    }
    groups: dict[int, DigestGroup] = {}
    for name, proposals in sections.items():
        for proposal in proposals:
            group = groups.get(proposal.consultation_id)
            if group is None:
                group = groups[proposal.consultation_id] = DigestGroup(proposal.consultation, [], [], [])
            proposal.admin_url = absolute_url(reverse("cms_proposals:detail", args=[proposal.pk]))
            proposal.site_url = absolute_url(proposal.get_absolute_url())
            getattr(group, name).append(proposal)
    return sorted(
        groups.values(), key=lambda group: (group.consultation.title.lower(), group.consultation.pk)
    )


def digest_recipients():
    """Active officials (the Officials group) and superusers with an e-mail address."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return (
        users.filter(Q(is_superuser=True) | Q(groups__name=permissions.OFFICIALS_GROUP))
        .distinct()
        .order_by("pk")
    )


def digest_send(*, now=None) -> int:
    """E-mail the digest to every official, each in their language; nothing when there is nothing to
    say. A failed send is logged and the others go on. Returns how many were sent."""
    now = now or timezone.now()
    groups = digest_groups(now=now)
    if not groups:
        return 0
    context = {
        "groups": groups,
        "now": now,
        "counts": {
            "crossed": sum(len(g.crossed) for g in groups),
            "overdue": sum(len(g.overdue) for g in groups),
            "due_soon": sum(len(g.due_soon) for g in groups),
        },
        "admin_url": absolute_url(reverse("cms_proposals:index")),
    }
    sent = 0
    connection = get_connection()
    in_language: dict[str, list[DigestGroup]] = {}
    for official in digest_recipients():
        language = email_language(official)
        if language not in in_language:
            in_language[language] = digest_in_language(groups, language)
        subject, body = render_email(
            "digest",
            {**context, "groups": in_language[language], "recipient": official},
            language=language,
            token="",
        )
        message = EmailMultiAlternatives(
            subject, body, settings.DEFAULT_FROM_EMAIL, [official.email], connection=connection
        )
        try:
            message.send()
        except Exception:  # noqa: BLE001 - one official's failure must not stop the others' digest
            log.exception("Digest: the e-mail to user %s could not be sent", official.pk)
        else:
            sent += 1
    return sent
