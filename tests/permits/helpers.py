"""Points and payloads shared by the permits tests."""

import io

from django.contrib.gis.geos import Point
from PIL import Image

from parcels.models import District, Parcel
from parcels.selectors import parcel_at

OUTSIDE_CITY = Point(59.0, 35.5, srid=4326)

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "${alert(3)}",
    "`${alert(4)}`",
]
XSS_TEXT = " ".join(XSS_PAYLOADS)


def parcel_point(parcel: Parcel) -> Point:
    point = parcel.geom.point_on_surface
    point.srid = 4326
    return point


def point_without_parcel(district: District) -> Point:
    """A point inside `district` that no parcel covers."""
    xmin, ymin, xmax, ymax = district.geom.extent
    steps = 40
    for i in range(1, steps):
        for j in range(1, steps):
            point = Point(
                xmin + (xmax - xmin) * i / steps, ymin + (ymax - ymin) * j / steps, srid=4326
            )
            if district.geom.contains(point) and parcel_at(point) is None:
                # keep off the boundary: the district must cover a small buffer around it
                if district.geom.contains(point.buffer(0.0005)):
                    return point
    raise AssertionError("no parcel-free point found")


def image_bytes(fmt: str = "JPEG", size=(64, 48), exif_gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "SpyCam"  # Make
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (36.0, 17.0, 49.0)
        exif[0x8825] = gps
        kwargs["exif"] = exif.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def pruning_attributes() -> dict:
    return {"tree_count": 2, "urgency": "danger"}


def permit_attributes() -> dict:
    return {"floors": 3, "built_area_m2": 420, "intended_use": "residential"}


PERMIT_CONTACT = {"name": "Sara Ahmadi", "phone": "09123456789", "email": "sara@example.org"}
