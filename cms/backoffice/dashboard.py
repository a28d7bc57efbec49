"""The officials' view of the petition promise in the Wagtail admin (/cms/promises/): the proposals whose
response is awaited, the most urgent first, and a dashboard per consultation (proposals by status,
promises awaited and overdue, the median time to respond, supports per day).

For officials and admins (`permissions.can_respond`: the people who owe the responses); anyone else with
admin access, moderators included, gets a 403 page. Every figure is computed by the database in a fixed
number of queries, whatever the number of proposals or supports, by .selectors, which the API reads too.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.models import ConsultationPage
from cocreate.charts import Chart, bar_chart
from proposals import permissions
from proposals.journey_selectors import MIN_CHECKINS
from proposals.models import Proposal

from .selectors import (
    awaiting_counts,
    awaiting_queue,
    consultation_figures,
    consultations_with_promises,
    journey_over_time,
    late_milestones,
    stages_by_frustration,
)
from .views import forbidden

PAGE_SIZE = 50


class OfficialsOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_respond(request.user):
            return forbidden(request, _("Only officials can see the responses awaited and the dashboards."))
        return super().dispatch(request, *args, **kwargs)


def deadline_text(due: datetime, now: datetime) -> str:
    """How far the deadline is, in whole days of the site's calendar."""
    days = (timezone.localdate(due) - timezone.localdate(now)).days
    if due <= now:
        days = -days
        if days == 0:
            return _("Overdue since today")
        return ngettext("Overdue by %(n)d day", "Overdue by %(n)d days", days) % {"n": days}
    if days == 0:
        return _("Due today")
    return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}


@dataclass(frozen=True)
class Row:
    proposal: Proposal
    overdue: bool
    deadline: str


class AwaitingResponseView(OfficialsOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """Every promise still unanswered; ?consultation=<id> keeps one consultation's."""

    template_name = "backoffice/awaiting.html"
    page_title = gettext_lazy("Awaiting response")
    header_icon = "time"
    breadcrumbs_items = [
        *WagtailAdminTemplateMixin.breadcrumbs_items,
        {"url": reverse_lazy("cms_promises:awaiting"), "label": gettext_lazy("Awaiting response")},
    ]

    def consultation(self) -> ConsultationPage | None:
        value = self.request.GET.get("consultation")
        if not value:
            return None
        try:
            return ConsultationPage.objects.canonical().get(pk=int(value))
        except (ValueError, OverflowError, ConsultationPage.DoesNotExist):
            raise Http404 from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        consultation = self.consultation()
        queue = awaiting_queue(consultation.pk if consultation else None)
        page_obj = Paginator(queue, PAGE_SIZE).get_page(self.request.GET.get("p"))
        now = timezone.now()
        context.update(
            consultation=consultation,
            page_obj=page_obj,
            rows=[Row(p, p.is_overdue(at=now), deadline_text(p.response_due_at, now)) for p in page_obj],
            overdue_count=queue.filter(response_due_at__lte=now).count(),
            next_url=self.request.get_full_path(),
        )
        return context


class DashboardIndexView(OfficialsOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """Choose a consultation: each with its promises awaited and overdue."""

    template_name = "backoffice/dashboard.html"
    page_title = gettext_lazy("Dashboards")
    header_icon = "view"
    breadcrumbs_items = [
        *WagtailAdminTemplateMixin.breadcrumbs_items,
        {"url": reverse_lazy("cms_promises:dashboards"), "label": gettext_lazy("Dashboards")},
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["consultations"] = consultations_with_promises()
        return context


# --- one consultation's figures ---------------------------------------------------------------------------


def duration_text(value: timedelta) -> str:
    """A median time to respond as people say it: days, or hours under two days."""
    hours = value.total_seconds() / 3600
    if hours < 48:
        n = round(hours)
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    n = round(hours / 24)
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def supports_chart(days: list[tuple[date, int]]) -> Chart | None:
    return bar_chart(days)


class DashboardView(OfficialsOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "backoffice/dashboard.html"
    header_icon = "view"

    def get(self, request, *args, **kwargs):
        # Looked up after the role check (in dispatch): a refused visitor learns nothing of which ids exist.
        self.consultation = ConsultationPage.objects.canonical().filter(pk=kwargs["pk"]).first()
        if self.consultation is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_page_title(self):
        return _("Dashboard")

    def get_page_subtitle(self):
        return self.consultation.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cms_promises:dashboards"), "label": _("Dashboards")},
            {"url": "", "label": self.consultation.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = consultation_figures(consultation_id=self.consultation.pk)
        median = figures.median_time_to_respond
        chart = supports_chart(figures.supports_per_day)
        context.update(
            consultation=self.consultation,
            figures=figures,
            median_text=duration_text(median) if median is not None else "",
            chart=chart,
            chart_range=(
                {
                    "first": date_format(chart.days[0][0], "DATE_FORMAT"),
                    "last": date_format(chart.days[-1][0], "DATE_FORMAT"),
                }
                if chart
                else None
            ),
            awaiting_url=reverse("cms_promises:awaiting") + f"?consultation={self.consultation.pk}",
        )
        over_time = journey_over_time(consultation=self.consultation)
        today = timezone.localdate()
        context.update(
            journey=over_time,
            journey_months=[month.month for month in over_time[0].months] if over_time else [],
            stages_ranked=stages_by_frustration(over_time),
            late=[
                (milestone, ((milestone.done_on or today) - milestone.planned_for).days)
                for milestone in late_milestones(consultation_id=self.consultation.pk, today=today)
            ],
            minimum=MIN_CHECKINS,
        )
        return context


app_name = "cms_promises"
urlpatterns = [
    path("", AwaitingResponseView.as_view(), name="awaiting"),
    path("dashboards/", DashboardIndexView.as_view(), name="dashboards"),
    path("dashboards/<int:pk>/", DashboardView.as_view(), name="dashboard"),
]


class OfficialsMenuItem(MenuItem):
    """Shown to those the views let in; the views check it again."""

    def is_shown(self, request):
        return permissions.can_respond(request.user)


class AwaitingPanel(Component):
    """On the admin's home page, for officials: the responses awaited and overdue, and the way to them."""

    order = 90  # above Wagtail's own panels

    def __init__(self, *, awaiting: int, overdue: int):
        self.awaiting, self.overdue = awaiting, overdue

    def render_html(self, parent_context=None):
        if self.awaiting:
            text = ngettext("%(n)d response awaited", "%(n)d responses awaited", self.awaiting) % {
                "n": self.awaiting
            }
            if self.overdue:
                text += ", " + ngettext("%(n)d overdue", "%(n)d overdue", self.overdue) % {"n": self.overdue}
        else:
            text = _("No response is awaited: every promise has been answered.")
        return format_html(
            '<section class="w-panel w-panel--dashboard w-mb-8 w-p-4"'
            ' aria-labelledby="awaiting-panel-heading">'
            '<h2 class="w-h3" id="awaiting-panel-heading">{}</h2><p>{}</p>'
            '<p class="w-m-0"><a class="button button-secondary" href="{}">{}</a></p></section>',
            _("Responses promised to citizens"),
            text,
            reverse("cms_promises:awaiting"),
            _("See the responses awaited"),
        )


def awaiting_panel() -> AwaitingPanel:
    return AwaitingPanel(**awaiting_counts())
