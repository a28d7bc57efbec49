"""What this app holds about one person, for their data export (cocreate.accounts.data, registered in
wagtail_hooks.py): their supports."""

from proposals.account_data import dated, readable_among

from .models import Support


def account_export(*, user) -> dict[str, list]:
    supports = Support.objects.filter(user=user).select_related("proposal")
    readable = readable_among(user=user, named=[supports.order_by().values("proposal_id")])
    return {"supports": dated(supports, readable)}
