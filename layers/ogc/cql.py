"""CQL2 text filters (OGC API – Features Part 3) evaluated into ORM conditions."""

import numpy as np
import shapely
import shapely.errors
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.exceptions import FieldError
from django.db.models import F
from django.utils.translation import gettext as _
from pygeofilter import ast as cql_ast
from pygeofilter import values as cql_values
from pygeofilter.backends.django.evaluate import DjangoFilterEvaluator
from pygeofilter.backends.evaluator import handle
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
from rest_framework.exceptions import ValidationError
from shapely.geometry import shape

from layers.collections import Collection, geometry_column

MAX_FILTER_LENGTH = 4000
MAX_FILTER_VERTICES = 2000


class SafeEvaluator(DjangoFilterEvaluator):
    """pygeofilter's Django evaluator, restricted to the collection's queryables, with
    geometries built from parsed numbers (never a string handed to GEOS)."""

    @handle(cql_ast.Attribute)
    def attribute(self, node):
        if node.name not in self.field_mapping:
            raise ValidationError(
                {"filter": _("Unknown property %(name)s; see /queryables.") % {"name": node.name}}
            )
        return F(self.field_mapping[node.name])

    @handle(cql_values.Geometry)
    def geometry(self, node):
        try:
            geometry = shape(node.__geo_interface__)
            finite = bool(np.isfinite(shapely.get_coordinates(geometry)).all())
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
            finite = False
        if not finite:
            raise ValidationError({"filter": _("A geometry in the filter is not valid.")})
        if shapely.get_num_coordinates(geometry) > MAX_FILTER_VERTICES:
            raise ValidationError({"filter": _("A geometry in the filter has too many vertices.")})
        result = GEOSGeometry(memoryview(shapely.to_wkb(geometry)))
        result.srid = 4326
        return result

    @handle(*cql_values.LITERALS)
    def literal(self, node):
        """Plain values, so Django adapts them to the field (JSONB keys included)."""
        return node

    @handle(cql_values.Envelope)
    def envelope(self, node):
        polygon = Polygon.from_bbox((node.x1, node.y1, node.x2, node.y2))
        polygon.srid = 4326
        return polygon


def apply_filter(collection: Collection, queryset, text: str, language: str | None):
    if language not in (None, "", "cql2-text"):
        raise ValidationError({"filter-lang": _("Only filter-lang=cql2-text is supported.")})
    if len(text) > MAX_FILTER_LENGTH:
        raise ValidationError({"filter": _("The filter is too long.")})
    try:
        tree = parse_cql2_text(text)
    except Exception as error:  # lark raises many kinds; all mean "cannot parse"
        raise ValidationError(
            {
                "filter": _("The CQL2 filter could not be parsed: %(error)s")
                % {"error": str(error)[:200]}
            }
        ) from None
    mapping = {name: lookup for name, (lookup, _kind) in collection.queryables.items()}
    mapping["geometry"] = geometry_column(collection)
    try:
        condition = SafeEvaluator(mapping, None).evaluate(tree)
        return queryset.filter(condition)
    except ValidationError:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        NotImplementedError,
        AssertionError,
        RecursionError,
        FieldError,
    ) as error:
        raise ValidationError(
            {"filter": _("The filter cannot be used: %(error)s") % {"error": str(error)[:200]}}
        ) from None
