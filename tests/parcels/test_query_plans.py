"""Hot spatial queries must use their GiST indexes (caught here without the benchmark)."""

from django.contrib.gis.geos import Point
from django.db import connection

from gis_portal.core.geo import degrees_at_least
from parcels.models import District, Parcel


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("ANALYZE parcels_parcel")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_district_lookup_uses_the_gist_index(districts):
    point = Point(59.55, 36.27, srid=4326)
    assert "district_geom_gist" in plan(District.objects.filter(geom__covers=point).order_by())
    near = District.objects.filter(geom__dwithin=(point, degrees_at_least(30, 36.27))).order_by()
    assert "district_geom_gist" in plan(near)


def test_parcel_lookup_uses_the_gist_index(parcels):
    point = Point(59.55, 36.27, srid=4326)
    assert "parcel_geom_gist" in plan(Parcel.objects.filter(geom__covers=point).order_by())


def test_address_search_uses_the_trigram_index(parcels):
    assert "parcel_address_trgm" in plan(
        Parcel.objects.filter(address__icontains="وکیل").order_by()
    )
