"""HTML pages: the public layer catalogue, downloads, and the GIS staff pages."""

import json
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layers.collections import all_collections, collection_by_id, features_json
from layers.forms import NEW, UploadForm
from layers.models import Layer, LayerVersion
from layers.selectors import can_manage_layers, layer_versions, published_layer, published_layers
from layers.services.create import layer_create
from layers.services.imports import LayerImportError, import_limits, layer_import
from layers.services.publish import layer_publish, layer_unpublish


def catalogue(request):
    """Every published layer, with its version, date, size, extent and formats."""
    layers = list(published_layers())
    others = [c for c in all_collections() if c.layer is None]
    return render(
        request,
        "layers/catalogue.html",
        {"layers": layers, "collections": others, "can_manage": can_manage_layers(request.user)},
    )


def _published_or_404(slug: str) -> Layer:
    layer = published_layer(slug)
    if layer is None:
        raise Http404(_("No published layer has this id."))
    return layer


def _feature_collection_bytes(layer: Layer) -> bytes:
    collection = collection_by_id(layer.slug)
    features = features_json(collection, collection.queryset(), srid=4326, flip=False)
    head = json.dumps({"type": "FeatureCollection", "name": layer.slug})[:-1].encode()
    return head + b',"features":' + features + b"}"


def download_geojson(request, slug: str):
    layer = _published_or_404(slug)
    response = HttpResponse(_feature_collection_bytes(layer), content_type="application/geo+json")
    filename = f"{layer.slug}-v{layer.published_version.number}.geojson"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def download_gpkg(request, slug: str):
    layer = _published_or_404(slug)
    version = layer.published_version
    cache = Path(settings.MEDIA_ROOT) / "layers"
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"{layer.slug}-v{version.number}-{version.pk}.gpkg"
    if not target.exists():
        with tempfile.TemporaryDirectory(prefix="layer-gpkg-") as workdir:
            source = Path(workdir) / "layer.geojson"
            source.write_bytes(_feature_collection_bytes(layer))
            partial = Path(workdir) / "layer.gpkg"
            subprocess.run(  # noqa: S603 - fixed arguments, our own file
                [
                    "ogr2ogr",
                    "-f",
                    "GPKG",
                    str(partial),
                    str(source),
                    "-nln",
                    layer.slug.replace("-", "_"),
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
            partial.replace(target)
    return FileResponse(
        open(target, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=f"{layer.slug}-v{version.number}.gpkg",
        content_type="application/geopackage+sqlite3",
    )


# --- GIS staff --------------------------------------------------------------------------


def _require_gis_staff(request) -> None:
    if not can_manage_layers(request.user):
        raise PermissionDenied(_("Only GIS staff may manage layers."))


@login_required
def staff_layers(request):
    _require_gis_staff(request)
    layers = [(layer, list(layer_versions(layer)[:10])) for layer in Layer.objects.all()]
    return render(
        request,
        "layers/staff_layers.html",
        {"layers": layers, "form": UploadForm(), "limits": import_limits()},
    )


@login_required
def staff_upload(request):
    _require_gis_staff(request)
    if request.method != "POST":
        return redirect("staff-layers")
    form = UploadForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        suffix = Path(upload.name).suffix.lower()[:10]
        try:
            if upload.size > import_limits().max_bytes:
                raise LayerImportError(_("The file is too large."))
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                if data["layer"] == NEW:
                    layer = layer_create(
                        slug=data["slug"],
                        name_fa=data["name_fa"],
                        name_en=data["name_en"],
                        purpose=data["purpose"],
                    )
                else:
                    layer = Layer.objects.get(slug=data["layer"])
                result = layer_import(
                    layer=layer,
                    path=handle.name,
                    source_name=upload.name,
                    declared_srid=data.get("declared_epsg"),
                    user=request.user,
                )
        except LayerImportError as refused:
            error = str(refused)
            if data["layer"] == NEW:  # a refused file leaves no empty layer behind
                Layer.objects.filter(slug=data["slug"], versions__isnull=True).delete()
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            return redirect("staff-layer-version", pk=result.version.pk)
    layers = [(layer, list(layer_versions(layer)[:10])) for layer in Layer.objects.all()]
    return render(
        request,
        "layers/staff_layers.html",
        {"layers": layers, "form": form, "error": error, "limits": import_limits()},
        status=400,
    )


@login_required
def staff_version(request, pk: int):
    _require_gis_staff(request)
    version = get_object_or_404(LayerVersion.objects.select_related("layer"), pk=pk)
    return render(
        request,
        "layers/staff_version.html",
        {
            "version": version,
            "layer": version.layer,
            "report": version.report,
            "is_published": version.layer.published_version_id == version.pk,
        },
    )


@require_POST
@login_required
def staff_publish(request, pk: int):
    _require_gis_staff(request)
    version = get_object_or_404(LayerVersion, pk=pk)
    layer = layer_publish(version=version)
    messages.success(
        request,
        _("Version %(number)s of %(name)s is published.")
        % {"number": version.number, "name": layer.name},
    )
    return redirect("staff-layers")


@require_POST
@login_required
def staff_unpublish(request, slug: str):
    _require_gis_staff(request)
    layer = layer_unpublish(layer=get_object_or_404(Layer, slug=slug))
    messages.success(request, _("%(name)s is no longer published.") % {"name": layer.name})
    return redirect("staff-layers")
