"""The districts and parcels as OGC API collections and vector tile layers, registered
with the layers registry (parcels.apps.ParcelsConfig.ready)."""

from layers.collections import Collection, collection_register
from parcels.models import District, Parcel


def districts_collection() -> Collection:
    return Collection(
        id="districts",
        title_fa="مناطق شهرداری",
        title_en="District municipalities",
        description_fa="محدوده مناطق شهرداری (داده نمونه).",
        description_en="The district municipalities' boundaries (demo data).",
        queryset=lambda: District.objects.all(),
        queryables={
            "code": ("code", "integer"),
            "name_fa": ("name_fa", "string"),
            "name_en": ("name_en", "string"),
        },
        id_lookup="code",
        id_type="integer",
        id_sql="t.code",
        properties_sql=(
            "json_build_object('code', t.code, 'name_fa', t.name_fa, 'name_en', t.name_en, "
            "'office_address', t.office_address, 'office_phone', t.office_phone)"
        ),
        from_sql=f"{District._meta.db_table} t",
        tile_columns_sql="t.code, t.name_fa, t.name_en",
        min_zoom=0,
        max_zoom=18,
    )


def parcels_collection() -> Collection:
    return Collection(
        id="parcels",
        title_fa="قطعات ملکی",
        title_en="Parcels",
        description_fa="قطعات ملکی با کد نوسازی، کاربری و مساحت (داده نمونه).",
        description_en="Cadastral parcels: renovation code, land use, area (demo data).",
        queryset=lambda: Parcel.objects.all(),
        queryables={
            "renovation_code": ("renovation_code", "string"),
            "district": ("district__code", "integer"),
            "land_use": ("land_use", "string"),
            "area_m2": ("area_m2", "number"),
            "address": ("address", "string"),
        },
        id_lookup="renovation_code",
        id_type="string",
        id_sql="t.renovation_code",
        properties_sql=(
            "json_build_object('renovation_code', t.renovation_code, 'district', d.code, "
            "'land_use', t.land_use, 'area_m2', round(t.area_m2::numeric, 1), "
            "'address', t.address, 'postal_code', t.postal_code)"
        ),
        # LEFT JOINs on primary keys: one join per page instead of a subquery per row, and
        # PostgreSQL drops them from the tile query, which reads no column of them.
        from_sql=(
            f"{Parcel._meta.db_table} t "
            f"LEFT JOIN {District._meta.db_table} d ON d.id = t.district_id"
        ),
        tile_columns_sql="t.renovation_code, t.land_use",
        min_zoom=14,
        max_zoom=20,
    )


def collections_register() -> None:
    collection_register("districts", districts_collection)
    collection_register("parcels", parcels_collection)
