"""The OpenAPI 3.0 description of the OGC API Features endpoints (`/ogc/api`)."""


def _parameter(name: str, where: str, schema: dict, description: str, required=False) -> dict:
    return {
        "name": name,
        "in": where,
        "required": required,
        "schema": schema,
        "description": description,
        "style": "form",
        "explode": False,
    }


def openapi_document(base: str, collection_ids: list[str]) -> dict:
    """Long because it is one declarative document: every path with its parameters and
    responses, read top to bottom like the OpenAPI file it becomes."""
    collection_id = _parameter(
        "collectionId", "path", {"type": "string", "enum": collection_ids}, "collection id", True
    )
    collection_id["style"] = "simple"
    json_ok = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "400": {"description": "Bad request (the body's `detail` says why)"},
        "404": {"description": "Not found"},
    }
    geojson_ok = dict(json_ok)
    geojson_ok["200"] = {
        "description": "GeoJSON",
        "content": {"application/geo+json": {"schema": {"type": "object"}}},
    }
    crs = {"type": "string", "format": "uri"}
    items_parameters = [
        collection_id,
        _parameter(
            "limit",
            "query",
            {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
            "page size",
        ),
        _parameter(
            "offset", "query", {"type": "integer", "minimum": 0, "default": 0}, "start index"
        ),
        _parameter(
            "bbox",
            "query",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            "minx,miny,maxx,maxy",
        ),
        _parameter("bbox-crs", "query", crs, "CRS of bbox (default CRS84)"),
        _parameter("crs", "query", crs, "CRS of the response (default CRS84)"),
        _parameter(
            "datetime", "query", {"type": "string"}, "instant or interval (collections with time)"
        ),
        _parameter("filter", "query", {"type": "string"}, "CQL2 text filter"),
        _parameter(
            "filter-lang", "query", {"type": "string", "enum": ["cql2-text"]}, "filter language"
        ),
        _parameter("f", "query", {"type": "string", "enum": ["json", "html"]}, "format"),
    ]
    paths = {
        "/": {
            "get": {
                "summary": "Landing page",
                "operationId": "getLandingPage",
                "responses": json_ok,
            }
        },
        "/conformance": {
            "get": {
                "summary": "Conformance classes",
                "operationId": "getConformance",
                "responses": json_ok,
            }
        },
        "/api": {
            "get": {"summary": "This document", "operationId": "getApi", "responses": json_ok}
        },
        "/collections": {
            "get": {"summary": "Collections", "operationId": "getCollections", "responses": json_ok}
        },
        "/collections/{collectionId}": {
            "get": {
                "summary": "A collection",
                "operationId": "describeCollection",
                "parameters": [collection_id],
                "responses": json_ok,
            }
        },
        "/collections/{collectionId}/queryables": {
            "get": {
                "summary": "Queryable properties",
                "operationId": "getQueryables",
                "parameters": [collection_id],
                "responses": json_ok,
            }
        },
        "/collections/{collectionId}/items": {
            "get": {
                "summary": "Features",
                "operationId": "getFeatures",
                "parameters": items_parameters,
                "responses": geojson_ok,
            }
        },
        "/collections/{collectionId}/items/{featureId}": {
            "get": {
                "summary": "One feature",
                "operationId": "getFeature",
                "parameters": [
                    collection_id,
                    {
                        "name": "featureId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    _parameter("crs", "query", crs, "CRS of the response"),
                ],
                "responses": geojson_ok,
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "GIS Portal — OGC API Features", "version": "1.0.0"},
        "servers": [{"url": base}],
        "paths": paths,
    }
