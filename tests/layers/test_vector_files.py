"""The safe opener and zip checker: each refusal has its own test."""

import json
import os
import stat
import zipfile

import pytest

from gis_portal.core import vector_files
from gis_portal.core.vector_files import UnsafeVectorFile, extract_zip_safely, open_vector

from .conftest import feature, feature_collection, square, write_geojson

VRT = b"""<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>
</OGRVRTLayer></OGRVRTDataSource>"""


def make_zip(path, entries: dict[str, bytes], *, symlink: str | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, "/etc/passwd")
    return path


def test_open_geojson(sample_geojson):
    source = open_vector(sample_geojson)
    assert source.driver.name == "GeoJSON"
    assert source[0].num_feat == 3


def test_open_gpkg(sample_gpkg):
    assert open_vector(sample_gpkg).driver.name == "GPKG"


def test_vrt_renamed_to_geojson_is_refused(tmp_path):
    path = tmp_path / "evil.geojson"
    path.write_bytes(VRT)
    with pytest.raises(UnsafeVectorFile, match="XML or VRT"):
        open_vector(path)


def test_vrt_with_its_own_name_is_refused(tmp_path):
    path = tmp_path / "evil.vrt"
    path.write_bytes(VRT)
    with pytest.raises(UnsafeVectorFile):
        open_vector(path)


def test_vrt_content_under_another_suffix_is_refused(tmp_path):
    path = tmp_path / "evil.gpkg"
    path.write_bytes(b"\xef\xbb\xbf  " + VRT)
    with pytest.raises(UnsafeVectorFile):
        open_vector(path)


def test_driver_outside_the_allow_list_is_refused(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text('WKT,name\n"POINT (59.5 36.2)",a\n')
    with pytest.raises(UnsafeVectorFile, match="could not be read"):
        open_vector(path)


@pytest.mark.parametrize("where", ["top", "geometry"])
def test_geojson_crs_link_is_refused(tmp_path, where):
    link = {"type": "link", "properties": {"href": "http://127.0.0.1:9/crs", "type": "proj4"}}
    geometry = square()
    document = feature_collection([feature(geometry, name="x")])
    if where == "top":
        document["crs"] = link
    else:
        geometry["crs"] = link
    with pytest.raises(UnsafeVectorFile, match="link"):
        open_vector(write_geojson(tmp_path / "crs.geojson", document))


def test_geojson_crs_link_is_refused_whatever_the_suffix(tmp_path):
    document = feature_collection(
        [feature(square(), name="x")], crs={"type": "link", "properties": {"href": "http://x/"}}
    )
    with pytest.raises(UnsafeVectorFile, match="link"):
        open_vector(write_geojson(tmp_path / "crs.txt", document))


def test_geojson_crs_name_that_is_a_url_is_refused(tmp_path):
    document = feature_collection(
        [feature(square(), name="x")],
        crs={"type": "name", "properties": {"name": "http://127.0.0.1:9/epsg.prj"}},
    )
    with pytest.raises(UnsafeVectorFile, match="URL"):
        open_vector(write_geojson(tmp_path / "crs.geojson", document))


def test_geojson_named_ogc_crs_is_accepted(tmp_path):
    document = feature_collection(
        [feature(square(), name="x")],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    )
    assert open_vector(write_geojson(tmp_path / "ok.geojson", document))[0].num_feat == 1


def test_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(UnsafeVectorFile, match="not valid GeoJSON"):
        open_vector(path)


def test_deeply_nested_geojson_is_refused(tmp_path):
    path = tmp_path / "deep.geojson"
    path.write_text('{"type": "GeometryCollection", "geometries": ' + "[" * 70 + "]" * 70 + "}")
    with pytest.raises(UnsafeVectorFile, match="nested"):
        open_vector(path)


# --- zips ---------------------------------------------------------------------------------


def test_zip_extracts_a_plain_archive(tmp_path):
    archive = make_zip(tmp_path / "ok.zip", {"a/b.geojson": b"{}", "c.txt": b"hi"})
    extracted = extract_zip_safely(archive, tmp_path / "out")
    assert sorted(p.name for p in extracted) == ["b.geojson", "c.txt"]
    assert (tmp_path / "out" / "a" / "b.geojson").read_bytes() == b"{}"


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:evil.txt"])
def test_zip_traversal_is_refused(tmp_path, name):
    archive = make_zip(tmp_path / "bad.zip", {name: b"x"})
    with pytest.raises(UnsafeVectorFile, match="unsafe path"):
        extract_zip_safely(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))


def test_zip_symlink_is_refused(tmp_path):
    archive = make_zip(tmp_path / "link.zip", {"a.txt": b"x"}, symlink="passwd.geojson")
    with pytest.raises(UnsafeVectorFile, match="link"):
        extract_zip_safely(archive, tmp_path / "out")
    assert not os.path.lexists(tmp_path / "out" / "passwd.geojson")


def test_nested_archive_is_refused(tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {"a.txt": b"x"})
    archive = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})
    with pytest.raises(UnsafeVectorFile, match="Archives"):
        extract_zip_safely(archive, tmp_path / "out")


def test_vrt_inside_zip_is_refused(tmp_path):
    archive = make_zip(tmp_path / "vrt.zip", {"layer.vrt": VRT})
    with pytest.raises(UnsafeVectorFile, match="VRT"):
        extract_zip_safely(archive, tmp_path / "out")


def test_vrt_renamed_inside_zip_is_refused(tmp_path):
    archive = make_zip(tmp_path / "vrt.zip", {"layer.geojson": VRT})
    with pytest.raises(UnsafeVectorFile, match="VRT"):
        extract_zip_safely(archive, tmp_path / "out")


def test_too_many_entries_are_refused(tmp_path):
    entries = {f"f{i}.txt": b"x" for i in range(vector_files.MAX_ZIP_ENTRIES + 1)}
    archive = make_zip(tmp_path / "many.zip", entries)
    with pytest.raises(UnsafeVectorFile, match="too many entries"):
        extract_zip_safely(archive, tmp_path / "out")


def test_total_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "MAX_ZIP_TOTAL_BYTES", 1000)
    archive = make_zip(tmp_path / "big.zip", {"a.bin": os.urandom(600), "b.bin": os.urandom(600)})
    with pytest.raises(UnsafeVectorFile, match="too many bytes"):
        extract_zip_safely(archive, tmp_path / "out")


def test_zip_bomb_ratio_is_refused(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {"zeros.geojson": b"\0" * (5 * 1024 * 1024)})
    with pytest.raises(UnsafeVectorFile, match="compressed suspiciously"):
        extract_zip_safely(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "zeros.geojson").exists()


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "fake.zip"
    path.write_text(json.dumps({"type": "FeatureCollection"}))
    with pytest.raises(UnsafeVectorFile, match="not a zip"):
        extract_zip_safely(path, tmp_path / "out")
