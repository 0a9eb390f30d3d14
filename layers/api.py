"""OGC API – Features (Parts 1, 2, 3), vector tiles, TileJSON and the layer list.

Views parse and check the query, ask `layers.collections` for rows (filters in the
ORM, rendering in SQL) and pass the bytes through. JSON by default; HTML with
`f=html` or when a browser asks for text/html. Every error is a 4xx with `detail`.
"""

import datetime
import json
import math
import re
from contextlib import nullcontext
from urllib.parse import urlencode

from django.contrib.gis.geos import Polygon
from django.core.exceptions import FieldError
from django.db import DataError, ProgrammingError, connection, transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from pygeofilter import ast as cql_ast
from pygeofilter import values as cql_values
from pygeofilter.backends.django.evaluate import DjangoFilterEvaluator
from pygeofilter.backends.evaluator import handle
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.collections import (
    CRS84,
    CRS_LIST,
    SUPPORTED_CRS,
    Collection,
    all_collections,
    collection_by_id,
    features_json,
    features_page,
    geometry_column,
    tile_mvt,
)
from layers.selectors import published_layers

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000  # a bbox of 10,000 features in one response (issue 7, row 5)
MAX_OFFSET = 10_000_000
MAX_FILTER_LENGTH = 4000
MAX_FILTER_VERTICES = 2000
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
]
ITEM_PARAMETERS = {"f", "lang", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime"}
FILTER_PARAMETERS = {"filter", "filter-lang", "filter-crs"}


class AnyAccept(BaseContentNegotiation):
    """OGC clients send Accept: application/geo+json and the like; answer them in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OgcView(APIView):
    content_negotiation_class = AnyAccept

    def wants_html(self) -> bool:
        requested = self.request.query_params.get("f")
        if requested:
            if requested not in ("json", "html", "geojson"):
                raise ValidationError({"f": _("Use f=json or f=html.")})
            return requested == "html"
        accept = self.request.headers.get("Accept", "")
        return "text/html" in accept and "json" not in accept

    def base(self) -> str:
        return self.request.build_absolute_uri(reverse("ogc-landing")).rstrip("/")

    def json(self, payload, content_type="application/json", **headers) -> HttpResponse:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False)
        response = HttpResponse(body, content_type=content_type)
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    def html(self, template: str, context: dict) -> HttpResponse:
        return render(self.request, f"layers/{template}", context)


def _link(href, rel, type_, title="") -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = str(title)
    return link


class LandingApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        base = self.base()
        payload = {
            "title": _("GIS Portal — city location data"),
            "description": _("Published layers, districts, parcels and public service requests."),
            "links": [
                _link(f"{base}/", "self", "application/json", _("This document")),
                _link(f"{base}/?f=html", "alternate", "text/html", _("This document as HTML")),
                _link(f"{base}/api", "service-desc", OPENAPI, _("The API definition")),
                _link(f"{base}/conformance", "conformance", "application/json"),
                _link(f"{base}/collections", "data", "application/json", _("Collections")),
            ],
        }
        if self.wants_html():
            return self.html("ogc_landing.html", {"payload": payload})
        return self.json(payload)


class ConformanceApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        payload = {"conformsTo": CONFORMANCE}
        if self.wants_html():
            return self.html("ogc_conformance.html", {"payload": payload})
        return self.json(payload)


def _collection_document(collection: Collection, base: str) -> dict:
    url = f"{base}/collections/{collection.id}"
    extent = {"spatial": {"bbox": [collection.extent() or [-180, -90, 180, 90]], "crs": CRS84}}
    time_extent = collection.time_extent()
    if time_extent:
        extent["temporal"] = {"interval": [time_extent]}
    tiles = base.rsplit("/ogc", 1)[0] + reverse("tilejson", args=[collection.id])
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "extent": extent,
        "crs": CRS_LIST,
        "storageCrs": CRS84,
        "links": [
            _link(url, "self", "application/json"),
            _link(f"{url}?f=html", "alternate", "text/html"),
            _link(f"{url}/items", "items", GEOJSON, _("Features")),
            _link(f"{url}/items?f=html", "items", "text/html", _("Features as HTML")),
            _link(
                f"{url}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            ),
            _link(tiles, "describedby", "application/json", "TileJSON"),
        ],
    }


class CollectionsApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        base = self.base()
        collections = [_collection_document(c, base) for c in all_collections()]
        payload = {
            "links": [
                _link(f"{base}/collections", "self", "application/json"),
                _link(f"{base}/collections?f=html", "alternate", "text/html"),
            ],
            "collections": collections,
            "crs": CRS_LIST,
        }
        if self.wants_html():
            return self.html("ogc_collections.html", {"payload": payload})
        return self.json(payload)


def _collection_or_404(collection_id: str) -> Collection:
    collection = collection_by_id(collection_id)
    if collection is None:
        raise NotFound(_("There is no collection called %(id)s.") % {"id": collection_id})
    return collection


class CollectionApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str):
        collection = _collection_or_404(collection_id)
        payload = _collection_document(collection, self.base())
        if self.wants_html():
            return self.html("ogc_collection.html", {"payload": payload})
        return self.json(payload)


class QueryablesApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str):
        collection = _collection_or_404(collection_id)
        url = f"{self.base()}/collections/{collection.id}/queryables"
        properties = {
            name: {"title": name, "type": kind}
            for name, (_lookup, kind) in sorted(collection.queryables.items())
        }
        properties["geometry"] = {
            "title": "geometry",
            "format": "geometry-any",
            "x-ogc-role": "primary-geometry",
        }
        payload = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": url,
            "type": "object",
            "title": collection.title,
            "properties": properties,
            "additionalProperties": False,
        }
        if self.wants_html():
            return self.html("ogc_queryables.html", {"payload": payload})
        return self.json(payload, content_type="application/schema+json")


# --- parsing ----------------------------------------------------------------------------


def _finite(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValidationError({name: _("%(name)s must be numbers.") % {"name": name}}) from None
    if not math.isfinite(value):
        raise ValidationError({name: _("%(name)s must be finite numbers.") % {"name": name}})
    return value


def _crs(value: str | None, name: str) -> tuple[int, bool, str]:
    uri = value or CRS84
    uri = uri.strip("<>")
    if uri not in SUPPORTED_CRS:
        raise ValidationError(
            {
                name: _("Unsupported %(name)s; use one of: %(list)s")
                % {"name": name, "list": ", ".join(CRS_LIST)}
            }
        )
    srid, flip = SUPPORTED_CRS[uri]
    return srid, flip, uri


def parse_bbox(text: str, crs: str | None) -> Polygon:
    """A WGS84 polygon from `bbox` (4 or 6 numbers) given in `bbox-crs`."""
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise ValidationError({"bbox": _("bbox needs 4 numbers: minx,miny,maxx,maxy.")})
    numbers = [_finite(part, "bbox") for part in parts]
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    srid, flip, _uri = _crs(crs, "bbox-crs")
    if flip:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise ValidationError({"bbox": _("bbox must be minx,miny,maxx,maxy with min ≤ max.")})
    if srid == 4326 and not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise ValidationError({"bbox": _("bbox is outside the longitude/latitude range.")})
    polygon = Polygon.from_bbox((minx, miny, maxx, maxy))
    polygon.srid = srid
    if srid != 4326:
        polygon.transform(4326)
    return polygon


DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _instant(text: str, end: bool) -> datetime.datetime | None:
    if text in ("", ".."):
        return None
    moment = None if DATE_ONLY.match(text) else parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValidationError(
                {
                    "datetime": _(
                        "datetime must be RFC 3339, e.g. 2026-01-31T10:00:00Z or an interval a/b."
                    )
                }
            )
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def parse_datetime_filter(text: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    try:
        if "/" in text:
            start, end = text.split("/", 1)
            return _instant(start, False), _instant(end, True)
        if DATE_ONLY.match(text):  # a whole day
            return _instant(text, False), _instant(text, True)
        moment = _instant(text, False)
        return moment, moment
    except ValueError:
        raise ValidationError({"datetime": _("datetime is not a valid date.")}) from None


class SafeEvaluator(DjangoFilterEvaluator):
    """pygeofilter's Django evaluator, restricted to the collection's queryables, with
    geometries built from parsed numbers (never a string handed to GEOS)."""

    @handle(cql_ast.Attribute)
    def attribute(self, node):
        if node.name not in self.field_mapping:
            raise ValidationError(
                {"filter": _("Unknown property %(name)s; see /queryables.") % {"name": node.name}}
            )
        from django.db.models import F

        return F(self.field_mapping[node.name])

    @handle(cql_values.Geometry)
    def geometry(self, node):
        import numpy as np
        import shapely
        import shapely.errors
        from django.contrib.gis.geos import GEOSGeometry
        from shapely.geometry import shape

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


def _int_param(params, name: str, default: int, minimum: int, maximum: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValidationError(
            {name: _("%(name)s must be a whole number.") % {"name": name}}
        ) from None
    if value < minimum:
        raise ValidationError(
            {name: _("%(name)s must be at least %(min)s.") % {"name": name, "min": minimum}}
        )
    return min(value, maximum)


class ItemsApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str):
        collection = _collection_or_404(collection_id)
        params = request.query_params
        limit = _int_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _int_param(params, "offset", 0, 0, MAX_OFFSET)
        srid, flip, crs_uri = _crs(params.get("crs"), "crs")
        queryset = collection.queryset()
        column = geometry_column(collection)
        if params.get("bbox"):
            queryset = queryset.filter(
                **{f"{column}__intersects": parse_bbox(params["bbox"], params.get("bbox-crs"))}
            )
        elif params.get("bbox-crs"):
            raise ValidationError({"bbox-crs": _("bbox-crs needs a bbox.")})
        if params.get("datetime"):
            if not collection.time_lookup:
                raise ValidationError({"datetime": _("This collection has no time.")})
            start, end = parse_datetime_filter(params["datetime"])
            if start is not None:
                queryset = queryset.filter(**{f"{collection.time_lookup}__gte": start})
            if end is not None:
                queryset = queryset.filter(**{f"{collection.time_lookup}__lte": end})
        if params.get("filter"):
            if params.get("filter-crs"):
                _crs(params["filter-crs"], "filter-crs")
                if params["filter-crs"].strip("<>") != CRS84:
                    raise ValidationError({"filter-crs": _("Filters are in CRS84 only.")})
            queryset = apply_filter(
                collection, queryset, params["filter"], params.get("filter-lang")
            )
        for name, value in params.items():
            if name in collection.queryables and name not in ITEM_PARAMETERS:
                lookup, kind = collection.queryables[name]
                queryset = queryset.filter(**{lookup: _typed(value, kind, name)})
            elif name not in ITEM_PARAMETERS | FILTER_PARAMETERS:
                raise ValidationError({name: _("Unknown parameter %(name)s.") % {"name": name}})
        spatial = bool(params.get("bbox")) or "S_" in params.get("filter", "").upper()
        filtered = any(name not in ("f", "lang", "limit", "offset", "crs") for name in params)
        html = self.wants_html()
        try:
            # A refused query must leave the connection usable: inside a transaction that
            # takes a savepoint; in autocommit (production) each statement is its own.
            guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
            with guard:
                features, returned, more = features_page(
                    collection,
                    queryset,
                    srid=srid,
                    flip=flip,
                    offset=offset,
                    limit=limit,
                    spatial=spatial,
                )
                matched = self._matched(
                    collection, queryset, offset, returned, more, filtered=filtered, html=html
                )
        except (DataError, ProgrammingError, TypeError, ValueError) as error:
            # A filter the database cannot evaluate (e.g. comparing text with a number).
            raise ValidationError(
                {"filter": _("The filter cannot be used: %(error)s") % {"error": str(error)[:200]}}
            ) from None
        url = f"{self.base()}/collections/{collection.id}/items"
        links = self._links(url, params, offset, limit, more)
        if html:
            return self.html(
                "ogc_items.html",
                {
                    "collection": collection,
                    "features": json.loads(features),
                    "matched": matched,
                    "returned": returned,
                    "links": links,
                },
            )
        head = {
            "type": "FeatureCollection",
            **({"numberMatched": matched} if matched is not None else {}),
            "numberReturned": returned,
            "timeStamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": links,
        }
        body = (
            json.dumps(head, ensure_ascii=False)[:-1].encode() + b',"features":' + features + b"}"
        )
        return self.json(body, content_type=GEOJSON, Content_Crs=f"<{crs_uri}>")

    @staticmethod
    def _matched(collection, queryset, offset, returned, more, *, filtered, html) -> int | None:
        """numberMatched without counting every match on every page: exact from the page
        itself on the last page, the collection's cached count when nothing is filtered;
        a filtered page with more after it is counted only for the HTML view (the count
        is optional in OGC API Features, and the `next` link does not need it)."""
        if not more and (returned or not offset):
            return offset + returned
        if not filtered:
            total = collection.count()
            return max(total, offset + returned + 1) if more else total
        return queryset.count() if html else None

    @staticmethod
    def _links(url, params, offset, limit, more) -> list[dict]:
        query = {k: v for k, v in params.items() if k not in ("offset", "f")}

        def href(new_offset: int, fmt: str | None = None) -> str:
            values = dict(query, offset=new_offset, limit=limit)
            if fmt:
                values["f"] = fmt
            return f"{url}?{urlencode(values)}"

        links = [
            _link(href(offset), "self", GEOJSON),
            _link(href(offset, "html"), "alternate", "text/html"),
            _link(url.rsplit("/items", 1)[0], "collection", "application/json"),
        ]
        if more:
            links.append(_link(href(offset + limit), "next", GEOJSON, _("Next page")))
        if offset > 0:
            links.append(_link(href(max(0, offset - limit)), "prev", GEOJSON, _("Previous page")))
        return links


def _typed(value: str, kind: str, name: str):
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise ValidationError(
                {name: _("%(name)s must be a whole number.") % {"name": name}}
            ) from None
    if kind == "number":
        return _finite(value, name)
    return value


class ItemApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str, feature_id: str):
        collection = _collection_or_404(collection_id)
        srid, flip, crs_uri = _crs(request.query_params.get("crs"), "crs")
        try:
            key = int(feature_id) if collection.id_type == "integer" else feature_id
        except ValueError:
            raise NotFound(_("There is no feature with this id.")) from None
        queryset = collection.queryset().filter(**{collection.id_lookup: key})
        features = json.loads(features_json(collection, queryset, srid=srid, flip=flip, limit=1))
        if not features:
            raise NotFound(_("There is no feature with this id."))
        feature = features[0]
        url = f"{self.base()}/collections/{collection.id}"
        feature["links"] = [
            _link(f"{url}/items/{feature_id}", "self", GEOJSON),
            _link(f"{url}/items/{feature_id}?f=html", "alternate", "text/html"),
            _link(url, "collection", "application/json"),
        ]
        if self.wants_html():
            return self.html("ogc_item.html", {"collection": collection, "feature": feature})
        return self.json(feature, content_type=GEOJSON, Content_Crs=f"<{crs_uri}>")


class OpenApiDocument(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        from layers.openapi import openapi_document

        document = openapi_document(self.base(), [c.id for c in all_collections()])
        if self.wants_html():
            return self.html(
                "ogc_landing.html",
                {
                    "payload": {
                        "title": "OpenAPI",
                        "links": [_link(f"{self.base()}/api?f=json", "service-desc", OPENAPI)],
                    }
                },
            )
        return self.json(document, content_type=OPENAPI)


# --- vector tiles -----------------------------------------------------------------------

MVT = "application/vnd.mapbox-vector-tile"


class TileApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str, z: int, x: int, y: int):
        collection = _collection_or_404(collection_id)
        if z > 24:
            raise ValidationError({"z": _("Zoom levels go up to 24.")})
        if x >= 2**z or y >= 2**z:
            raise ValidationError(
                {"tile": _("This tile is outside the grid at zoom %(z)s.") % {"z": z}}
            )
        if not collection.min_zoom <= z <= collection.max_zoom:
            raise NotFound(
                _("%(id)s has tiles from zoom %(min)s to %(max)s.")
                % {"id": collection.id, "min": collection.min_zoom, "max": collection.max_zoom}
            )
        etag = f'"{collection.id}-{collection.stamp()}-{z}-{x}-{y}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(tile_mvt(collection, z, x, y), content_type=MVT)
        response["ETag"] = etag
        response["Cache-Control"] = "public, max-age=60"
        response["Access-Control-Allow-Origin"] = "*"
        return response


class TileJsonApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str):
        collection = _collection_or_404(collection_id)
        extent = collection.extent() or [-180, -85, 180, 85]
        template = request.build_absolute_uri(
            reverse("tile", args=[collection.id, 0, 0, 0])
        ).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
        fields = {name: kind for name, (_l, kind) in collection.queryables.items()}
        payload = {
            "tilejson": "3.0.0",
            "name": collection.title,
            "description": collection.description,
            "version": collection.stamp(),
            "scheme": "xyz",
            "tiles": [f"{template}?v={collection.stamp()}"],
            "minzoom": collection.min_zoom,
            "maxzoom": collection.max_zoom,
            "bounds": extent,
            "center": [
                round((extent[0] + extent[2]) / 2, 6),
                round((extent[1] + extent[3]) / 2, 6),
                max(collection.min_zoom, 11),
            ],
            "vector_layers": [
                {
                    "id": collection.id,
                    "fields": fields,
                    "minzoom": collection.min_zoom,
                    "maxzoom": collection.max_zoom,
                }
            ],
        }
        return self.json(payload)


# --- the layer list for map overlays ----------------------------------------------------

SMALL_LAYER = 2000  # features: drawn as GeoJSON by bbox; bigger ones as vector tiles


class LayerListApi(APIView):
    """Published layers with what a map needs to draw them as overlays."""

    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        name = serializers.CharField()
        description = serializers.CharField()
        purpose = serializers.CharField()
        style = serializers.JSONField()
        version = serializers.IntegerField(source="published_version.number")
        feature_count = serializers.IntegerField(source="published_version.feature_count")
        published_at = serializers.DateTimeField(source="published_version.published_at")
        bbox = serializers.SerializerMethodField()
        render = serializers.SerializerMethodField()
        items_url = serializers.SerializerMethodField()
        tiles_url = serializers.SerializerMethodField()
        min_zoom = serializers.IntegerField()
        max_zoom = serializers.IntegerField()

        def get_bbox(self, layer) -> list[float] | None:
            extent = layer.published_version.extent
            return [round(v, 6) for v in extent.extent] if extent else None

        def get_render(self, layer) -> str:
            return "geojson" if layer.published_version.feature_count <= SMALL_LAYER else "tiles"

        def get_items_url(self, layer) -> str:
            return reverse("ogc-items", args=[layer.slug])

        def get_tiles_url(self, layer) -> str:
            path = reverse("tile", args=[layer.slug, 0, 0, 0]).replace(
                "/0/0/0.mvt", "/{z}/{x}/{y}.mvt"
            )
            return f"{path}?v={layer.published_version_id}"

    @extend_schema(
        responses={200: OutputSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Green spaces",
                response_only=True,
                value=[
                    {
                        "slug": "green-space",
                        "name": "Green spaces and parks",
                        "description": "The city's parks and gardens (demo data).",
                        "purpose": "green_space",
                        "style": {"color": "#1b5e20", "weight": 1, "fill_color": "#43a047"},
                        "version": 1,
                        "feature_count": 37,
                        "published_at": "2026-11-26T14:33:19+03:30",
                        "bbox": [59.492372, 36.244339, 59.73595, 36.362954],
                        "render": "geojson",
                        "items_url": "/ogc/collections/green-space/items",
                        "tiles_url": "/tiles/green-space/{z}/{x}/{y}.mvt?v=2",
                        "min_zoom": 9,
                        "max_zoom": 18,
                    }
                ],
            )
        ],
    )
    def get(self, request):
        return Response(self.OutputSerializer(published_layers(), many=True).data)


class BadTileApi(OgcView):
    """A tile path that is not z/x/y.mvt with whole numbers (e.g. a negative zoom)."""

    @extend_schema(exclude=True)
    def get(self, request, collection_id: str, rest: str):
        raise ValidationError(
            {"tile": _("Tiles are at /tiles/<collection>/<z>/<x>/<y>.mvt with whole numbers.")}
        )
