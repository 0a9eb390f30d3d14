"""The JSON documents of OGC API – Features: landing page, conformance, collections,
queryables, and the links between them. Built from plain values; the views choose
JSON or HTML."""

from django.urls import reverse
from django.utils.translation import gettext as _

from layers.collections import CRS84, CRS_LIST, Collection

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


def link(href, rel, type_, title="") -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = str(title)
    return link


def landing_document(base: str) -> dict:
    return {
        "title": _("GIS Portal — city location data"),
        "description": _("Published layers, districts, parcels and public service requests."),
        "links": [
            link(f"{base}/", "self", "application/json", _("This document")),
            link(f"{base}/?f=html", "alternate", "text/html", _("This document as HTML")),
            link(f"{base}/api", "service-desc", OPENAPI, _("The API definition")),
            link(f"{base}/conformance", "conformance", "application/json"),
            link(f"{base}/collections", "data", "application/json", _("Collections")),
        ],
    }


def collection_document(collection: Collection, base: str) -> dict:
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
            link(url, "self", "application/json"),
            link(f"{url}?f=html", "alternate", "text/html"),
            link(f"{url}/items", "items", GEOJSON, _("Features")),
            link(f"{url}/items?f=html", "items", "text/html", _("Features as HTML")),
            link(
                f"{url}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            ),
            link(tiles, "describedby", "application/json", "TileJSON"),
        ],
    }


def collections_document(collections: list[Collection], base: str) -> dict:
    return {
        "links": [
            link(f"{base}/collections", "self", "application/json"),
            link(f"{base}/collections?f=html", "alternate", "text/html"),
        ],
        "collections": [collection_document(c, base) for c in collections],
        "crs": CRS_LIST,
    }


def queryables_document(collection: Collection, url: str) -> dict:
    properties = {
        name: {"title": name, "type": kind}
        for name, (_lookup, kind) in sorted(collection.queryables.items())
    }
    properties["geometry"] = {
        "title": "geometry",
        "format": "geometry-any",
        "x-ogc-role": "primary-geometry",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": collection.title,
        "properties": properties,
        "additionalProperties": False,
    }
