"""Importing districts and parcels from files: dry runs, commits, repairs, refusals."""

import json
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pyproj import Transformer

from parcels.imports import staging
from parcels.imports.boundaries import boundaries_import
from parcels.imports.report import BoundaryImportError
from parcels.models import District, Parcel
from tests.conftest import inside_point

# Parcels are staged by ogr2ogr on a connection of its own: every test here runs without
# a surrounding transaction, so the staging table is really created and really dropped.
pytestmark = pytest.mark.django_db(transaction=True)


def staging_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'import\\_staging\\_%'")
        return {name for (name,) in cursor.fetchall()}


def square(lon, lat, size=0.0002):
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def write_geojson(path, features, **extra):
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8"
    )
    return path


def parcel_feature(code, lon, lat, **properties):
    return {
        "type": "Feature",
        "properties": {"NOSAZI": code, "ADDR": "مشهد، بلوار سجاد", **properties},
        "geometry": {"type": "Polygon", "coordinates": square(lon, lat)},
    }


@pytest.fixture
def parcel_file(tmp_path, districts):
    point = inside_point(districts[11])
    bowtie = {
        "type": "Feature",
        "properties": {"NOSAZI": "11-90-1-3", "ADDR": "bow tie"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [point.x, point.y],
                    [point.x + 0.0002, point.y + 0.0002],
                    [point.x + 0.0002, point.y],
                    [point.x, point.y + 0.0002],
                    [point.x, point.y],
                ]
            ],
        },
    }
    line = {
        "type": "Feature",
        "properties": {"NOSAZI": "11-90-1-4"},
        "geometry": {
            "type": "LineString",
            "coordinates": [[point.x, point.y], [point.x + 0.001, point.y]],
        },
    }
    return write_geojson(
        tmp_path / "parcels.geojson",
        [
            parcel_feature("11-90-1-1", point.x, point.y),
            parcel_feature("11-90-1-2", point.x + 0.0003, point.y),
            bowtie,
            line,
            parcel_feature("bad code", point.x + 0.0006, point.y),
            parcel_feature("11-90-1-5", 51.3, 35.7),  # Tehran: outside every district
        ],
    )


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command(
        "import_parcels",
        str(path),
        "--field",
        "renovation_code=NOSAZI",
        "--field",
        "address=ADDR",
        *args,
        stdout=out,
        verbosity=0,
    )
    return out.getvalue()


def test_dry_run_reports_everything_and_writes_nothing(parcel_file):
    output = run(parcel_file)
    assert Parcel.objects.count() == 0
    assert "dry run" in output
    assert "6 features read, 3 loaded" in output
    assert "repaired 11-90-1-3" in output
    assert "refused 11-90-1-4: LineString is not a polygon" in output
    assert "refused bad code" in output
    assert "outside every district" in output


def test_commit_writes_the_good_features_with_area_and_district(parcel_file):
    run(parcel_file, "--commit")
    codes = set(Parcel.objects.values_list("renovation_code", flat=True))
    assert codes == {"11-90-1-1", "11-90-1-2", "11-90-1-3"}
    parcel = Parcel.objects.get(renovation_code="11-90-1-1")
    assert parcel.district.code == 11
    assert parcel.address == "مشهد، بلوار سجاد"
    assert 300 < parcel.area_m2 < 450  # 0.0002° × 0.0002° at 36°N ≈ 17.9 m × 22.2 m


def test_second_commit_keeps_existing_codes(parcel_file):
    run(parcel_file, "--commit")
    output = run(parcel_file, "--commit")
    assert "0 loaded, 3 already present" in output
    assert Parcel.objects.count() == 3


def test_unknown_source_field_refuses_the_whole_file(parcel_file):
    with pytest.raises(CommandError, match="no attribute"):
        call_command(
            "import_parcels",
            str(parcel_file),
            "--field",
            "renovation_code=CODE",
            "--commit",
            verbosity=0,
        )
    assert Parcel.objects.count() == 0


def test_broken_file_is_refused_with_nothing_written(tmp_path, districts):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_parcels", str(broken), "--commit", verbosity=0)
    assert Parcel.objects.count() == 0


def test_geojson_crs_link_is_refused(tmp_path, districts):
    path = write_geojson(
        tmp_path / "link.geojson",
        [parcel_feature("11-90-1-1", 59.55, 36.27)],
        crs={"type": "link", "properties": {"href": "http://127.0.0.1:9/crs", "type": "proj4"}},
    )
    with pytest.raises(BoundaryImportError, match="crs"):
        boundaries_import(path=str(path), kind="parcels", field_map={"renovation_code": "NOSAZI"})


def test_vrt_renamed_to_geojson_is_refused(tmp_path, districts):
    path = tmp_path / "evil.geojson"
    path.write_text(
        '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd'
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    with pytest.raises(BoundaryImportError):
        boundaries_import(path=str(path), kind="parcels")


def test_zipped_shapefile_in_utm_is_reprojected(tmp_path, districts):
    """A UTM 40N Shapefile in a zip lands in the right place in EPSG:4326."""
    point = inside_point(districts[11])
    to_utm = Transformer.from_crs(4326, 32640, always_xy=True)
    x, y = to_utm.transform(point.x, point.y)
    ring = [[x, y], [x + 20, y], [x + 20, y + 20], [x, y + 20], [x, y]]
    source = write_geojson(
        tmp_path / "utm.geojson",
        [
            {
                "type": "Feature",
                "properties": {"renovation_code": "11-91-1-1", "land_use": "green"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    )
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "ESRI Shapefile",
            "-a_srs",
            "EPSG:32640",
            str(shp_dir / "parcels.shp"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    archive = tmp_path / "parcels.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for file in shp_dir.iterdir():
            bundle.write(file, file.name)
    report = boundaries_import(
        path=str(archive),
        kind="parcels",
        field_map={"renovation_code": "renovation"},  # .dbf names stop at 10 characters
        commit=True,
    )
    assert report.loaded == 1, report.lines()
    parcel = Parcel.objects.get(renovation_code="11-91-1-1")
    # The UTM corner (x, y) comes back as (lon, lat) of the original point: axis order kept.
    corner = min(parcel.geom.coords[0][0], key=lambda c: abs(c[0] - point.x) + abs(c[1] - point.y))
    assert corner == pytest.approx((point.x, point.y), abs=1e-7)
    assert parcel.area_m2 == pytest.approx(400, rel=0.01)
    assert parcel.land_use == "green"


def test_zip_with_path_traversal_is_refused(tmp_path, districts):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../escape.shp", b"x")
    with pytest.raises(BoundaryImportError, match="unsafe path"):
        boundaries_import(path=str(archive), kind="parcels")


def test_districts_import_updates_by_code(tmp_path, districts):
    district = districts[12]
    geometry = json.loads(district.geom.json)
    path = write_geojson(
        tmp_path / "districts.geojson",
        [
            {
                "type": "Feature",
                "properties": {"NO": "12", "FA": "منطقه دوازده", "EN": "Twelve"},
                "geometry": geometry,
            }
        ],
    )
    report = boundaries_import(
        path=str(path),
        kind="districts",
        field_map={"code": "NO", "name_fa": "FA", "name_en": "EN"},
        commit=True,
    )
    assert report.loaded == 1
    assert District.objects.get(code=12).name_en == "Twelve"
    assert District.objects.count() == 13


# --- the SQL path: reasons, staging table, mapping, formats, index rebuild ----------------


@pytest.fixture
def odd_file(tmp_path, districts):
    """A bowtie, a point, a feature without geometry, an unknown land use, a Persian postal
    code and a parcel placed by its district code rather than by its geometry."""
    point = inside_point(districts[11])
    x, y = point.x, point.y
    bowtie = [[[x, y], [x + 0.0002, y + 0.0002], [x + 0.0002, y], [x, y + 0.0002], [x, y]]]
    return write_geojson(
        tmp_path / "odd.geojson",
        [
            {
                "type": "Feature",
                "properties": {"KOD": "11-92-1-1", "KARBARI": " Green ", "MANTAGHE": None},
                "geometry": {"type": "Polygon", "coordinates": bowtie},
            },
            {
                "type": "Feature",
                "properties": {"KOD": "11-92-1-2"},
                "geometry": {"type": "Point", "coordinates": [x, y]},
            },
            {"type": "Feature", "properties": {"KOD": "11-92-1-3"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"KOD": "11-92-1-4", "KARBARI": "farm"},
                "geometry": {"type": "Polygon", "coordinates": square(x + 0.001, y)},
            },
            {
                "type": "Feature",
                "properties": {
                    "KOD": " 12-92-1-5 ",
                    "KARBARI": "commercial",
                    "MANTAGHE": 12,
                    "POST": "۹۱۷۳-۶۵۴۳۲۱ x",
                    "ADDR": "  " + "ب" * 400,
                },
                "geometry": {"type": "Polygon", "coordinates": square(x + 0.002, y)},
            },
        ],
    )


ODD_MAPPING = {
    "renovation_code": "KOD",
    "land_use": "KARBARI",
    "district_code": "MANTAGHE",
    "postal_code": "POST",
    "address": "ADDR",
}


def test_sql_checks_give_each_reason(odd_file):
    before = staging_tables()
    report = boundaries_import(
        path=str(odd_file), kind="parcels", field_map=ODD_MAPPING, commit=True
    )
    lines = report.lines()
    assert lines[0].startswith("parcels: 5 features read, 2 loaded, 0 already present, 1 repaired")
    assert report.repaired == [("11-92-1-1", report.repaired[0][1])]
    assert report.repaired[0][1].startswith("Self-intersection[")
    assert ("11-92-1-2", "Point is not a polygon") in report.refused
    assert ("11-92-1-3", "no geometry") in report.refused
    assert ("11-92-1-4", "unknown land use 'farm'") in report.refused
    assert len(report.refused) == 3
    repaired = Parcel.objects.get(renovation_code="11-92-1-1")
    assert repaired.geom.valid and len(repaired.geom) == 2  # the bowtie's two triangles
    assert repaired.land_use == "green"
    assert repaired.district.code == 11
    mapped = Parcel.objects.get(renovation_code="12-92-1-5")
    assert mapped.district.code == 12  # by its code, though it lies in district 11
    assert mapped.postal_code == "9173654321"
    assert mapped.address == "ب" * 300
    assert mapped.land_use == "commercial"
    assert report.timings.keys() >= {"staging load", "SQL checks", "INSERT"}
    assert staging_tables() == before


def test_dry_run_writes_nothing_and_leaves_no_staging_table(odd_file):
    before = staging_tables()
    report = boundaries_import(path=str(odd_file), kind="parcels", field_map=ODD_MAPPING)
    assert report.loaded == 2 and not report.committed
    assert Parcel.objects.count() == 0
    assert staging_tables() == before


def test_a_failing_import_drops_the_staging_table(odd_file, monkeypatch):
    before = staging_tables()

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(staging, "_problem_reasons", fail)
    with pytest.raises(RuntimeError, match="boom"):
        boundaries_import(path=str(odd_file), kind="parcels", field_map=ODD_MAPPING, commit=True)
    assert Parcel.objects.count() == 0
    assert staging_tables() == before


def test_an_attribute_named_like_a_staging_column_is_refused(tmp_path, districts):
    path = write_geojson(
        tmp_path / "geom.geojson", [parcel_feature("11-90-1-1", 59.6, 36.3, geom="x")]
    )
    with pytest.raises(BoundaryImportError, match="cannot be imported"):
        boundaries_import(
            path=str(path),
            kind="parcels",
            field_map={"renovation_code": "NOSAZI", "address": "geom"},
            commit=True,
        )
    assert Parcel.objects.count() == 0


def test_geopackage_in_utm_is_reprojected(tmp_path, districts):
    point = inside_point(districts[11])
    to_utm = Transformer.from_crs(4326, 32640, always_xy=True)
    x, y = to_utm.transform(point.x, point.y)
    source = write_geojson(
        tmp_path / "utm.geojson",
        [
            {
                "type": "Feature",
                "properties": {"renovation code": "11-93-1-1"},  # a name with a space
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x, y], [x + 20, y], [x + 20, y + 20], [x, y + 20], [x, y]]],
                },
            }
        ],
    )
    gpkg = tmp_path / "parcels.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", "-a_srs", "EPSG:32640", str(gpkg), str(source)],
        check=True,
        capture_output=True,
    )
    report = boundaries_import(
        path=str(gpkg),
        kind="parcels",
        field_map={"renovation_code": "renovation code"},
        commit=True,
    )
    assert report.loaded == 1, report.lines()
    parcel = Parcel.objects.get(renovation_code="11-93-1-1")
    corner = min(parcel.geom.coords[0][0], key=lambda c: abs(c[0] - point.x) + abs(c[1] - point.y))
    assert corner == pytest.approx((point.x, point.y), abs=1e-7)
    assert parcel.area_m2 == pytest.approx(400, rel=0.01)
    assert parcel.district.code == 11


def index_definitions() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'parcels_parcel'
               UNION ALL
               SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conrelid = 'parcels_parcel'::regclass
               ORDER BY 1"""
        )
        return cursor.fetchall()


def test_indexes_rebuilt_for_an_empty_table_come_back_identical(parcel_file, monkeypatch):
    monkeypatch.setattr(staging, "REBUILD_INDEXES_MIN_ROWS", 1)
    before = index_definitions()
    report = boundaries_import(
        path=str(parcel_file),
        kind="parcels",
        field_map={"renovation_code": "NOSAZI", "address": "ADDR"},
        commit=True,
    )
    assert report.loaded == 3
    assert "index work" in report.timings
    assert index_definitions() == before
    assert Parcel.objects.filter(address__icontains="سجاد").count() == 2


def test_duplicate_codes_in_one_file_load_once(tmp_path, districts):
    point = inside_point(districts[11])
    path = write_geojson(
        tmp_path / "dup.geojson",
        [
            parcel_feature("11-94-1-1", point.x, point.y),
            parcel_feature("11-94-1-1", point.x + 0.0003, point.y),
        ],
    )
    report = boundaries_import(
        path=str(path), kind="parcels", field_map={"renovation_code": "NOSAZI"}, commit=True
    )
    assert report.loaded == 1
    assert Parcel.objects.count() == 1
