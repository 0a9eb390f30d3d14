"""Vector tiles, TileJSON and the layer list a map draws its overlays from."""

from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.collections import tile_mvt
from layers.ogc.views import OgcView, collection_or_404
from layers.selectors import published_layers

MVT = "application/vnd.mapbox-vector-tile"


class TileApi(OgcView):
    @extend_schema(exclude=True)
    def get(self, request, collection_id: str, z: int, x: int, y: int):
        collection = collection_or_404(collection_id)
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
        collection = collection_or_404(collection_id)
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
