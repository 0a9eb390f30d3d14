"""Exports of the filtered queue: CSV (UTF-8 with BOM), GeoJSON and GeoPackage, each
read back by GDAL (`ogrinfo`); contact columns only for roles allowed to see them;
a planner's file holds only their districts."""

import csv
import io
import json
import subprocess

import pytest

from . import staff_fixtures
from .helpers import XSS_PAYLOADS

staff, request_maker = staff_fixtures.staff, staff_fixtures.request_maker


@pytest.fixture
def queue(request_maker):
    return {
        "d11": [
            request_maker(description="چاله بزرگ در خیابان"),
            request_maker(description='=HYPERLINK("http://x")', status="accepted"),
        ],
        "d2": [request_maker(district=2)],
    }


def _download(client, user, fmt, query="", tmp_path=None):
    client.force_login(user)
    response = client.get(f"/staff/export.{fmt}{query}")
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / f"requests.{fmt}"
    path.write_bytes(response.content)
    return response, path


def _ogrinfo(path) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_csv_is_utf8_with_bom_and_readable_by_gdal(client, staff, queue, tmp_path):
    response, path = _download(client, staff["planner11"], "csv", tmp_path=tmp_path)
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["tracking_code"] for row in rows} == {r.tracking_code for r in queue["d11"]}
    assert any(row["description"] == "چاله بزرگ در خیابان" for row in rows)
    assert any(row["description"].startswith("'=") for row in rows)  # not a formula
    assert rows[0]["contact_phone"] == "09123456789"  # the district's planner
    info = _ogrinfo(path)
    assert "Feature Count: 2" in info or info.count("OGRFeature") == 2
    assert "چاله بزرگ" in info


def test_geojson_readable_by_gdal(client, staff, queue, tmp_path):
    response, path = _download(client, staff["planner11"], "geojson", tmp_path=tmp_path)
    data = json.loads(response.content)
    assert len(data["features"]) == 2
    assert data["features"][0]["geometry"]["type"] == "Point"
    info = _ogrinfo(path)
    assert info.count("POINT (") == 2


def test_geopackage_readable_by_gdal(client, staff, queue, tmp_path):
    _response, path = _download(client, staff["supervisor"], "gpkg", tmp_path=tmp_path)
    summary = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, timeout=60
    )
    assert summary.returncode == 0, summary.stderr
    assert "Layer name: requests" in summary.stdout
    assert "Feature Count: 3" in summary.stdout
    assert "Geometry: Point" in summary.stdout
    assert "contact_phone" not in summary.stdout  # supervisors do not get contact details
    assert "EPSG" in summary.stdout and "4326" in summary.stdout


def test_exports_follow_the_filters(client, staff, queue, tmp_path):
    response, _path = _download(
        client, staff["supervisor"], "csv", "?status=accepted", tmp_path=tmp_path
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["tracking_code"] for row in rows] == [queue["d11"][1].tracking_code]
    assert "contact_name" not in rows[0]


def test_bad_filter_is_a_400_and_unknown_format_a_404(client, staff, queue):
    client.force_login(staff["planner11"])
    assert client.get("/staff/export.csv?from=yesterday").status_code == 400
    assert client.get("/staff/export.xlsx").status_code == 404


def test_markup_in_exports_is_data(client, staff, request_maker, tmp_path):
    request_maker(description=" ".join(XSS_PAYLOADS))
    response, _path = _download(client, staff["planner11"], "geojson", tmp_path=tmp_path)
    assert json.loads(response.content)["features"][0]["properties"]["description"] == " ".join(
        XSS_PAYLOADS
    )
    assert response["Content-Type"].startswith("application/geo+json")
