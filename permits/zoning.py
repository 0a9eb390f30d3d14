"""The zoning check of a building application: the published zoning layer's rules at a
point, against the use and floors asked for (permits owns it: layers only answers which
published features cover a point)."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from gis_portal.core.i18n import is_persian, local_digits
from layers.models import LayerPurpose
from layers.selectors import feature_properties_covering, property_list
from parcels.models import LandUse


@dataclass(frozen=True)
class ZoningVerdict:
    zone_code: str
    zone_name: str
    use_allowed: bool
    floors_allowed: bool
    max_floors: int | None
    explanation: str  # in the active language

    @property
    def allowed(self) -> bool:
        return self.use_allowed and self.floors_allowed


def _int_or_none(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _use_label(use: str) -> str:
    try:
        return str(LandUse(use).label)
    except ValueError:
        return use


def zoning_check(*, point: Point, use: str | None, floors: int | None) -> ZoningVerdict | None:
    """The zoning verdict for a building at `point`, or None where no zone covers it."""
    covering = feature_properties_covering(point, LayerPurpose.ZONING)
    if not covering:
        return None
    properties = covering[0]
    persian = is_persian()

    code = str(properties.get("zone_code") or "")
    name = str(
        properties.get("zone_name_fa" if persian else "zone_name_en")
        or properties.get("zone_name_en")
        or code
    )
    allowed_uses = property_list(properties.get("allowed_uses"))
    max_floors = _int_or_none(properties.get("max_floors"))
    use_allowed = use is None or not allowed_uses or use in allowed_uses
    floors_allowed = floors is None or max_floors is None or floors <= max_floors
    parts = [_("Zone %(code)s (%(name)s).") % {"code": code, "name": name}]
    if use is not None:
        if use_allowed:
            parts.append(_("%(use)s use is allowed here.") % {"use": _use_label(use)})
        else:
            parts.append(
                _("%(use)s use is not allowed here; allowed: %(allowed)s.")
                % {
                    "use": _use_label(use),
                    "allowed": "، ".join(_use_label(u) for u in allowed_uses)
                    if persian
                    else ", ".join(_use_label(u) for u in allowed_uses),
                }
            )
    if floors is not None and max_floors is not None:
        if floors_allowed:
            parts.append(
                _("%(floors)s floors are within the maximum of %(max)s.")
                % {"floors": local_digits(str(floors)), "max": local_digits(str(max_floors))}
            )
        else:
            parts.append(
                _("%(floors)s floors exceed the maximum of %(max)s.")
                % {"floors": local_digits(str(floors)), "max": local_digits(str(max_floors))}
            )
    density = _int_or_none(properties.get("density"))
    if density is not None:
        parts.append(_("Density: %(density)s%%.") % {"density": local_digits(str(density))})
    explanation = " ".join(parts)
    return ZoningVerdict(
        zone_code=code,
        zone_name=name,
        use_allowed=use_allowed,
        floors_allowed=floors_allowed,
        max_floors=max_floors,
        explanation=explanation,
    )
