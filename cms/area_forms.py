"""The area set's form in the Wagtail admin: its name, and a GeoJSON file of boundaries that replaces its
areas (cms.areas checks the whole file first; nothing is stored when it has a problem)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from cocreate.limits import grouped

from .areas import MAX_BYTES, MAX_FEATURES, area_set_replace_areas, boundaries_from_geojson

NAMES_SHOWN = 30


class AreaSetForm(WagtailAdminModelForm):
    boundaries = forms.FileField(
        label=gettext_lazy("Boundaries (GeoJSON file)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".geojson,.json,application/geo+json,application/json"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One of the form's own fields, not the model's: it is made afresh here in the reader's language.
        field = self.fields["boundaries"]
        field.help_text = _(
            "A GeoJSON FeatureCollection in WGS84 (longitude, latitude), at most %(size)s bytes: one Polygon "
            "or MultiPolygon feature per area, at most %(count)s, each with a unique “name” property. "
            "Uploading a file replaces the areas: an area whose name stays keeps its proposals and the "
            "citizens who declared it; an area whose name is gone is deleted, its proposals name no area "
            "and its declarations are removed."
        ) % {"size": grouped(MAX_BYTES), "count": grouped(MAX_FEATURES)}
        if self.instance.pk is not None:
            names = list(self.instance.areas.values_list("name", flat=True)[: NAMES_SHOWN + 1])
            if names:
                shown = ", ".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
                field.help_text += " " + _("Its areas now: %(names)s. Leave empty to keep them.") % {
                    "names": shown
                }
        self.replacement = None

    def clean_boundaries(self):
        upload = self.cleaned_data.get("boundaries")
        if not upload:
            if self.instance.pk is None:
                raise ValidationError(_("Upload the areas’ boundaries: a GeoJSON file."))
            return None
        if upload.size > MAX_BYTES:  # refused before reading it
            raise ValidationError(
                _("The file is %(size)s bytes long, for %(max)s at most: simplify the boundaries.")
                % {"size": grouped(upload.size), "max": grouped(MAX_BYTES)}
            )
        return boundaries_from_geojson(upload.read(MAX_BYTES + 1))

    def save(self, commit=True):
        # Wagtail's create and edit views save through the form inside their transaction: the set and its
        # areas are written together or not at all.
        area_set = super().save(commit=commit)
        boundaries = self.cleaned_data.get("boundaries")
        if commit and boundaries:
            self.replacement = area_set_replace_areas(area_set=area_set, boundaries=boundaries)
        return area_set
