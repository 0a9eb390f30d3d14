"""Leaflet map shells built with folium, from local static assets only.

Folium builds the map and nothing else: no popups, tooltips or GeoJSON with user
text go through it (its templates do not escape enough). Pages draw their data with
`static/js/portal-map.js`, which builds DOM with textContent.
"""

from dataclasses import dataclass

import folium
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class MapParts:
    """What a template needs to embed a folium map: head tags, the div, the script."""

    name: str  # the global JS variable holding the L.Map
    header: SafeString
    html: SafeString
    script: SafeString


def _local_assets(element: folium.MacroElement) -> None:
    element.default_js = [("leaflet", static("vendor/leaflet/leaflet.js"))]
    element.default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]


def _asset_tags() -> SafeString:
    """Leaflet from our static files. Folium's own header is not used: it sets a
    viewport that forbids zooming (an accessibility failure) and full-page styles."""
    return format_html(
        '<link rel="stylesheet" href="{}">\n<script src="{}"></script>',
        static("vendor/leaflet/leaflet.css"),
        static("vendor/leaflet/leaflet.js"),
    )


def portal_map(
    *,
    center: tuple[float, float] | None = None,
    zoom: int = 11,
    min_zoom: int = 9,
    max_zoom: int = 19,
) -> MapParts:
    """A map of the city: no external tiles unless MAP_TILE_URL is configured."""
    latitude, longitude = center or settings.MAP_CENTER
    fmap = folium.Map(
        location=[latitude, longitude],
        zoom_start=zoom,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        width="100%",
        height="100%",
    )
    _local_assets(fmap)
    if settings.MAP_TILE_URL:
        folium.TileLayer(
            tiles=settings.MAP_TILE_URL,
            attr=settings.MAP_TILE_ATTRIBUTION or _("Base map"),
            name=_("Base map"),
            max_zoom=max_zoom,
        ).add_to(fmap)
    root = fmap.get_root()
    root.render()
    return MapParts(
        name=fmap.get_name(),
        header=_asset_tags(),
        html=mark_safe(root.html.render()),  # noqa: S308 - folium output, no user text
        script=mark_safe(root.script.render()),  # noqa: S308
    )
