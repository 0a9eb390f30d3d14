"""Reads of published layers that other apps rely on.

The permits app calls these two functions while filing a request; the layers app
(issue 5) gives them their real bodies. Until a layer of the purpose exists they
answer None, which means "no override" and "no zoning rule here".
"""

from dataclasses import dataclass

from django.contrib.gis.geos import Point


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


def routing_override_for(*, point: Point, service_code: str) -> str | None:
    """The department that handles `service_code` at `point` by a routing-override layer."""
    return None


def zoning_check(*, point: Point, use: str | None, floors: int | None) -> ZoningVerdict | None:
    """The zoning verdict for a building at `point`, or None where no zone covers it."""
    return None
