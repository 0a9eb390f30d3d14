"""OGC API – Features views (Parts 1, 2, 3).

Views parse and check the query, ask `layers.collections` for rows (filters in the
ORM, rendering in SQL) and pass the bytes through. JSON by default; HTML with
`f=html` or when a browser asks for text/html. Every error is a 4xx with `detail`.
"""

import datetime
import json
from contextlib import nullcontext
from urllib.parse import urlencode

from django.db import DataError, ProgrammingError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from layers.collections import (
    CRS84,
    Collection,
    all_collections,
    collection_by_id,
    features_json,
    features_page,
    geometry_column,
)
from layers.ogc.cql import apply_filter
from layers.ogc.documents import (
    CONFORMANCE,
    GEOJSON,
    OPENAPI,
    collection_document,
    collections_document,
    landing_document,
    link,
    queryables_document,
)
from layers.ogc.openapi import openapi_document
from layers.ogc.params import (
    DEFAULT_LIMIT,
    FILTER_PARAMETERS,
    ITEM_PARAMETERS,
    MAX_LIMIT,
    MAX_OFFSET,
    parse_bbox,
    parse_crs,
    parse_datetime_filter,
    parse_int_param,
    parse_typed,
)


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

    def document(self, template: str, payload, **json_options) -> HttpResponse:
        """A JSON document, or the page that shows it when the client asks for HTML."""
        if self.wants_html():
            return self.html(template, {"payload": payload})
        return self.json(payload, **json_options)


def collection_or_404(collection_id: str) -> Collection:
    collection = collection_by_id(collection_id)
    if collection is None:
        raise NotFound(_("There is no collection called %(id)s.") % {"id": collection_id})
    return collection


class LandingApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        payload = landing_document(self.base())
        return self.document("ogc_landing.html", payload)


class ConformanceApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        payload = {"conformsTo": CONFORMANCE}
        return self.document("ogc_conformance.html", payload)


class CollectionsApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        payload = collections_document(all_collections(), self.base())
        return self.document("ogc_collections.html", payload)


class CollectionApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str):
        collection = collection_or_404(collection_id)
        payload = collection_document(collection, self.base())
        return self.document("ogc_collection.html", payload)


class QueryablesApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str):
        collection = collection_or_404(collection_id)
        url = f"{self.base()}/collections/{collection.id}/queryables"
        payload = queryables_document(collection, url)
        return self.document("ogc_queryables.html", payload, content_type="application/schema+json")


def _filtered(collection: Collection, queryset, params):
    """The queryset narrowed by bbox, datetime, filter and queryable parameters."""
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
            parse_crs(params["filter-crs"], "filter-crs")
            if params["filter-crs"].strip("<>") != CRS84:
                raise ValidationError({"filter-crs": _("Filters are in CRS84 only.")})
        queryset = apply_filter(collection, queryset, params["filter"], params.get("filter-lang"))
    for name, value in params.items():
        if name in collection.queryables and name not in ITEM_PARAMETERS:
            lookup, kind = collection.queryables[name]
            queryset = queryset.filter(**{lookup: parse_typed(value, kind, name)})
        elif name not in ITEM_PARAMETERS | FILTER_PARAMETERS:
            raise ValidationError({name: _("Unknown parameter %(name)s.") % {"name": name}})
    return queryset


class ItemsApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str):
        collection = collection_or_404(collection_id)
        params = request.query_params
        limit = parse_int_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = parse_int_param(params, "offset", 0, 0, MAX_OFFSET)
        srid, flip, crs_uri = parse_crs(params.get("crs"), "crs")
        queryset = _filtered(collection, collection.queryset(), params)
        spatial = bool(params.get("bbox")) or "S_" in params.get("filter", "").upper()
        filtered = any(name not in ("f", "lang", "limit", "offset", "crs") for name in params)
        html = self.wants_html()
        features, returned, more, matched = self._page(
            collection,
            queryset,
            srid=srid,
            flip=flip,
            offset=offset,
            limit=limit,
            spatial=spatial,
            filtered=filtered,
            html=html,
        )
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
    def _page(collection, queryset, *, srid, flip, offset, limit, spatial, filtered, html):
        """One page of features as GeoJSON bytes, with its counts."""
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
                matched = ItemsApi._matched(
                    collection, queryset, offset, returned, more, filtered=filtered, html=html
                )
        except (DataError, ProgrammingError, TypeError, ValueError) as error:
            # A filter the database cannot evaluate (e.g. comparing text with a number).
            raise ValidationError(
                {"filter": _("The filter cannot be used: %(error)s") % {"error": str(error)[:200]}}
            ) from None
        return features, returned, more, matched

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
            link(href(offset), "self", GEOJSON),
            link(href(offset, "html"), "alternate", "text/html"),
            link(url.rsplit("/items", 1)[0], "collection", "application/json"),
        ]
        if more:
            links.append(link(href(offset + limit), "next", GEOJSON, _("Next page")))
        if offset > 0:
            links.append(link(href(max(0, offset - limit)), "prev", GEOJSON, _("Previous page")))
        return links


class ItemApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str, feature_id: str):
        collection = collection_or_404(collection_id)
        srid, flip, crs_uri = parse_crs(request.query_params.get("crs"), "crs")
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
            link(f"{url}/items/{feature_id}", "self", GEOJSON),
            link(f"{url}/items/{feature_id}?f=html", "alternate", "text/html"),
            link(url, "collection", "application/json"),
        ]
        if self.wants_html():
            return self.html("ogc_item.html", {"collection": collection, "feature": feature})
        return self.json(feature, content_type=GEOJSON, Content_Crs=f"<{crs_uri}>")


class OpenApiDocument(OgcView):
    @extend_schema(exclude=True)
    def get(self, request):
        document = openapi_document(self.base(), [c.id for c in all_collections()])
        if self.wants_html():
            return self.html(
                "ogc_landing.html",
                {
                    "payload": {
                        "title": "OpenAPI",
                        "links": [link(f"{self.base()}/api?f=json", "service-desc", OPENAPI)],
                    }
                },
            )
        return self.json(document, content_type=OPENAPI)
