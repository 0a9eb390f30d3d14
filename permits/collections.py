"""The public service requests as an OGC API collection and a vector tile layer,
registered with the layers registry (permits.apps.PermitsConfig.ready).

Public fields only: service, status, district and dates — never the requester's
contact details, the description or the tracking code.
"""

from layers.collections import Collection, collection_register
from parcels.models import District
from permits.models import ServiceRequest, ServiceType


def requests_collection() -> Collection:
    requests = ServiceRequest._meta.db_table
    return Collection(
        id="requests",
        title_fa="درخواست‌های شهروندان",
        title_en="Citizens' service requests",
        description_fa="درخواست‌های ثبت‌شده: خدمت، وضعیت، منطقه و تاریخ‌ها (بدون اطلاعات شخصی).",
        description_en="Filed requests: service, status, district and dates (no personal data).",
        queryset=lambda: ServiceRequest.objects.all(),
        queryables={
            "service_code": ("service_type__code", "string"),
            "status": ("status", "string"),
            "district": ("district__code", "integer"),
        },
        id_lookup="pk",
        id_type="integer",
        id_sql="t.id",
        properties_sql=(
            "json_build_object("
            "'service_code', s.code, 'service_name_fa', s.name_fa, "
            "'service_name_en', s.name_en, 'status', t.status, 'district', d.code, "
            "'submitted_at', t.submitted_at, 'updated_at', t.updated_at)"
        ),
        from_sql=(
            f"{requests} t "
            f"LEFT JOIN {ServiceType._meta.db_table} s ON s.id = t.service_type_id "
            f"LEFT JOIN {District._meta.db_table} d ON d.id = t.district_id"
        ),
        tile_columns_sql="t.id AS id, t.status",
        min_zoom=10,
        max_zoom=20,
        time_lookup="submitted_at",
        geometry_column="location",
        # A status change updates a row without changing the count or the highest id.
        stamp_sql=f"SELECT count(*), max(t.id), max(t.updated_at) FROM {requests} t",  # noqa: S608
    )


def collections_register() -> None:
    collection_register("requests", requests_collection)
