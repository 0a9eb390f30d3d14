"""layer_import: formats, reprojection, encodings, repairs, caps, CRS rules, versions."""

import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from layers.models import Feature, Layer, LayerVersion
from layers.services.imports import LayerImportError, layer_import
from layers.services.publish import layer_publish, layer_unpublish

from .conftest import LAT, LON, feature, feature_collection, ogr2ogr, square, write_geojson


def zipped_shapefile(tmp_path, source, *, name="parks", extra_args=(), drop=()):
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    ogr2ogr("-f", "ESRI Shapefile", str(folder / f"{name}.shp"), str(source), *extra_args)
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in drop:
                bundle.write(path, path.name)
    return archive


def test_geojson_import_creates_an_unpublished_version(layer, sample_geojson):
    result = layer_import(layer=layer, path=sample_geojson)
    layer.refresh_from_db()
    assert layer.published_version is None
    version = result.version
    assert version.number == 1
    assert version.feature_count == 3
    report = result.report
    assert report.features_read == 3 and report.features_imported == 3
    assert report.geometry_types == {"Polygon": 3}
    assert report.source_crs == "EPSG:4326"
    assert report.schema == {"name": "string", "kind": "string", "rank": "integer"}
    assert report.repaired == [] and report.refused == []
    names = list(version.features.order_by("fid").values_list("properties__name", flat=True))
    assert names[0] == "<b>Park</b> <script>alert(1)</script>"
    assert names[1] == "پارک ملت"
    assert report.extent == pytest.approx([LON, LAT, LON + 0.022, LAT + 0.002])


def test_gpkg_import(layer, sample_gpkg):
    result = layer_import(layer=layer, path=sample_gpkg, publish=True)
    assert result.report.driver == "GPKG"
    assert result.report.features_imported == 3
    layer.refresh_from_db()
    assert layer.published_version == result.version


def test_zipped_shapefile_import(layer, tmp_path, sample_geojson):
    archive = zipped_shapefile(tmp_path, sample_geojson)
    result = layer_import(layer=layer, path=archive)
    assert result.report.driver == "ESRI Shapefile"
    assert result.report.features_imported == 3


def test_utm_40n_file_is_reprojected_with_lon_lat_order(layer, tmp_path):
    # Mashhad's centre in UTM 40N (EPSG:32640), computed independently with pyproj.
    from pyproj import Transformer

    easting, northing = Transformer.from_crs(4326, 32640, always_xy=True).transform(59.6062, 36.297)
    document = feature_collection(
        [feature({"type": "Point", "coordinates": [easting, northing]}, name="centre")],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32640"}},
    )
    source = write_geojson(tmp_path / "utm.geojson", document)
    gpkg = tmp_path / "utm.gpkg"
    ogr2ogr("-f", "GPKG", str(gpkg), str(source))
    result = layer_import(layer=layer, path=gpkg)
    assert result.report.source_crs == "EPSG:32640"
    point = result.version.features.get().geom
    assert point.x == pytest.approx(59.6062, abs=1e-6)  # longitude first
    assert point.y == pytest.approx(36.297, abs=1e-6)


def test_persian_text_in_a_windows_1256_dbf_with_cpg_survives(layer, tmp_path, sample_geojson):
    archive = zipped_shapefile(tmp_path, sample_geojson, extra_args=("-lco", "ENCODING=CP1256"))
    with zipfile.ZipFile(archive) as bundle:
        assert bundle.read("parks.cpg").strip().upper() in (b"CP1256", b"1256")
        # The bytes in the .dbf really are Windows-1256, not UTF-8.
        assert "پارک ملت".encode("cp1256") in bundle.read("parks.dbf")
    result = layer_import(layer=layer, path=archive)
    names = set(result.version.features.values_list("properties__name", flat=True))
    assert "پارک ملت" in names


def test_shapefile_without_prj_is_refused_unless_declared(layer, tmp_path, sample_geojson):
    archive = zipped_shapefile(tmp_path, sample_geojson, drop={".prj"})
    with pytest.raises(LayerImportError, match="declare its EPSG code"):
        layer_import(layer=layer, path=archive)
    assert not LayerVersion.objects.exists()
    result = layer_import(layer=layer, path=archive, declared_srid=4326)
    assert result.report.crs_declared
    assert result.report.features_imported == 3


def test_unknown_declared_crs_is_refused(layer, sample_geojson):
    with pytest.raises(LayerImportError, match="EPSG:999999"):
        layer_import(layer=layer, path=sample_geojson, declared_srid=999999)


def test_local_crs_is_refused(layer, tmp_path, sample_geojson):
    archive = zipped_shapefile(tmp_path, sample_geojson, drop={".prj"})
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.writestr("parks.prj", 'LOCAL_CS["site grid",UNIT["metre",1]]')
    with pytest.raises(LayerImportError, match="unknown"):
        layer_import(layer=layer, path=archive)


def test_invalid_geometry_is_repaired_and_reported(layer, tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
        ],
    }
    source = write_geojson(
        tmp_path / "bowtie.geojson",
        feature_collection([feature(square(), name="ok"), feature(bowtie, name="bowtie")]),
    )
    result = layer_import(layer=layer, path=source)
    assert [item["fid"] for item in result.report.repaired] == [2]
    assert "Self-intersection" in result.report.repaired[0]["reason"]
    repaired = result.version.features.get(fid=2).geom
    assert repaired.valid and repaired.geom_type == "MultiPolygon"


def test_unrepairable_and_empty_geometries_are_refused_with_reasons(layer, tmp_path):
    flat = {
        "type": "Polygon",
        "coordinates": [[[LON, LAT], [LON + 0.01, LAT], [LON + 0.02, LAT], [LON, LAT]]],
    }
    source = write_geojson(
        tmp_path / "bad.geojson",
        feature_collection(
            [feature(square(), name="ok"), feature(flat, name="flat"), feature(None, name="none")]
        ),
    )
    result = layer_import(layer=layer, path=source)
    refused = {item["fid"]: item["reason"] for item in result.report.refused}
    assert set(refused) == {2, 3}
    assert "could not be repaired" in refused[2]
    assert "no geometry" in refused[3]
    assert result.report.features_imported == 1
    assert list(result.version.features.values_list("fid", flat=True)) == [1]


def test_feature_cap(layer, sample_geojson, settings):
    settings.LAYER_MAX_FEATURES = 2
    with pytest.raises(LayerImportError, match="limit is 2"):
        layer_import(layer=layer, path=sample_geojson)
    assert not LayerVersion.objects.exists()


def test_vertex_cap(layer, sample_geojson, settings):
    settings.LAYER_MAX_VERTICES = 4
    with pytest.raises(LayerImportError, match="No feature"):
        layer_import(layer=layer, path=sample_geojson)
    settings.LAYER_MAX_VERTICES = 5
    assert layer_import(layer=layer, path=sample_geojson).report.features_imported == 3


def test_file_size_cap(layer, sample_geojson, settings):
    settings.LAYER_MAX_UPLOAD_BYTES = 100
    with pytest.raises(LayerImportError, match="too large"):
        layer_import(layer=layer, path=sample_geojson)


def test_unsupported_suffix_is_refused(layer, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y\n1,2\n")
    with pytest.raises(LayerImportError, match="GeoJSON"):
        layer_import(layer=layer, path=path)


def test_crs_link_is_refused_by_the_import(layer, tmp_path):
    document = feature_collection(
        [feature(square(), name="x")], crs={"type": "link", "properties": {"href": "http://x/"}}
    )
    with pytest.raises(LayerImportError, match="link"):
        layer_import(layer=layer, path=write_geojson(tmp_path / "link.geojson", document))


def test_zip_with_two_datasets_is_refused(layer, tmp_path, sample_geojson):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(sample_geojson, "a.geojson")
        bundle.write(sample_geojson, "b.geojson")
    with pytest.raises(LayerImportError, match="exactly one dataset"):
        layer_import(layer=layer, path=archive)


def test_publish_restore_unpublish(layer, sample_geojson, tmp_path):
    first = layer_import(layer=layer, path=sample_geojson, publish=True).version
    smaller = write_geojson(tmp_path / "one.geojson", feature_collection([feature(square(), n=1)]))
    second = layer_import(layer=layer, path=smaller, publish=True).version
    layer.refresh_from_db()
    assert (second.number, layer.published_version) == (2, second)
    assert Feature.objects.filter(version=first).count() == 3  # the old version stays
    layer_publish(version=first)  # restore
    layer.refresh_from_db()
    assert layer.published_version == first
    layer_unpublish(layer=layer)
    layer.refresh_from_db()
    assert layer.published_version is None
    assert LayerVersion.objects.filter(layer=layer).count() == 2


def test_failed_import_keeps_the_current_version_serving(layer, sample_geojson, tmp_path):
    current = layer_import(layer=layer, path=sample_geojson, publish=True).version
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat')
    with pytest.raises(LayerImportError):
        layer_import(layer=layer, path=broken, publish=True)
    nothing = write_geojson(tmp_path / "empty.geojson", feature_collection([feature(None)]))
    with pytest.raises(LayerImportError, match="No feature"):
        layer_import(layer=layer, path=nothing, publish=True)
    layer.refresh_from_db()
    assert layer.published_version == current
    assert list(LayerVersion.objects.values_list("number", flat=True)) == [1]
    assert Feature.objects.count() == 3


def test_time_property_fills_feature_time(db, tmp_path):
    from layers.services.create import layer_create

    timed = layer_create(slug="events", name_fa="رویدادها", name_en="Events", time_property="day")
    source = write_geojson(
        tmp_path / "events.geojson",
        feature_collection(
            [feature(square(), day="2026-03-21"), feature(square(LON + 0.01), day=None)]
        ),
    )
    version = layer_import(layer=timed, path=source).version
    times = dict(version.features.values_list("fid", "time"))
    assert times[1].date().isoformat() == "2026-03-21" and times[2] is None


def test_import_layer_command_is_a_dry_run_without_commit(layer, sample_geojson, capsys):
    call_command("import_layer", str(sample_geojson), "--layer", layer.slug, verbosity=0)
    out = capsys.readouterr().out
    assert "3 read, 3 imported" in out and "dry run" in out
    assert not LayerVersion.objects.exists()
    call_command(
        "import_layer", str(sample_geojson), "--layer", layer.slug, "--commit", verbosity=0
    )
    layer.refresh_from_db()
    assert layer.published_version.feature_count == 3


def test_import_layer_command_reports_refusals(layer, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("<OGRVRTDataSource/>")
    with pytest.raises(CommandError, match="VRT"):
        call_command("import_layer", str(path), "--layer", layer.slug, verbosity=0)
    with pytest.raises(CommandError, match="No layer"):
        call_command("import_layer", str(path), "--layer", "nope", verbosity=0)


def test_load_demo_layers_is_idempotent(districts):
    call_command("load_demo_layers")
    call_command("load_demo_layers")
    layers = {layer.slug: layer for layer in Layer.objects.all()}
    assert set(layers) == {"zoning", "green-space", "parks-routing"}
    for layer in layers.values():
        assert layer.published_version.number == 1
        assert layer.versions.count() == 1
    assert layers["zoning"].published_version.feature_count == 26
