"""Areas: a proposal names one of its consultation's areas (cms.Area, of the consultation's area set), and
a citizen declares the area they live in, once per area set in use, which the supports per area count."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Area
from cocreate.exceptions import NotFound, ServiceError

from ..models import DeclaredArea
from ..selectors import area_sets_in_use


def area_check(*, consultation, area: Area | None) -> None:
    """Refuse `area` unless it is None or one of the area set of `consultation` (the canonical page). No
    query."""
    if area is not None and (
        consultation.area_set_id is None or area.area_set_id != consultation.area_set_id
    ):
        raise ServiceError(
            _("This area is not one of the consultation’s."),
            fields={"area": [_("Choose one of this consultation’s areas.")]},
        )


def declared_area_set(*, user, area_set_id: int, area_id: int | None) -> DeclaredArea | None:
    """`user` declares `area_id` as their area in the set `area_set_id` (one in use by a live consultation,
    see selectors.area_sets_in_use), replacing what they declared there; None removes it. One transaction;
    the declaration is theirs alone, whoever asks."""
    area_set = area_sets_in_use().filter(pk=area_set_id).first()
    if area_set is None:
        raise NotFound(_("No consultation uses this set of areas."), code="not_found")
    if area_id is None:
        declared_area_remove(user=user, area_set_id=area_set.pk)
        return None
    area = Area.objects.filter(pk=area_id, area_set=area_set).only("pk", "name", "area_set_id").first()
    if area is None:
        raise ServiceError(
            _("This area is not one of the set’s."), fields={"area": [_("Choose one of these areas.")]}
        )
    with transaction.atomic():
        declared, _created = DeclaredArea.objects.update_or_create(
            user=user, area_set=area_set, defaults={"area": area, "declared_at": timezone.now()}
        )
    return declared


def declared_area_remove(*, user, area_set_id: int) -> bool:
    """Remove `user`'s declared area in the set `area_set_id`, if any; whether there was one."""
    deleted, _counts = DeclaredArea.objects.filter(user=user, area_set_id=area_set_id).delete()
    return bool(deleted)
