"""factory_boy factories: a test states the few rows it needs instead of the demo city.

Geometry comes from the `mashhad_point` Faker provider (a Point in SRID 4326 near one
of Mashhad's district seeds, parcels/demo.py). A `DistrictFactory` district is a small
square around its seed; a `ParcelFactory` parcel a small square inside its district,
with a valid renovation code (district-region-block-parcel). For the whole demo city
use the `districts`, `parcels`, `catalogue` and `demo_layers` fixtures instead
(tests/demo_city.py): it is built once a session, not by these factories.
"""

from datetime import timedelta

import factory
from django.contrib.auth.models import User
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone
from faker.providers import BaseProvider

from gis_portal.staff.models import StaffRole
from gis_portal.staff.services import staff_create
from layers.models import Feature, Layer, LayerVersion
from parcels.demo import DISTRICT_SEEDS, SAMEN, SHRINE
from parcels.models import District, Parcel
from permits.models import (
    Department,
    EventKind,
    RequestEvent,
    RequestStatus,
    ServiceDomain,
    ServiceRequest,
    ServiceType,
)
from permits.tracking import tracking_code_new

#: Seed (lon, lat) of each district code, Samen's at the shrine.
SEEDS = {code: (lon, lat) for code, _fa, _en, lon, lat in DISTRICT_SEEDS} | {SAMEN[0]: SHRINE}
DISTRICT_HALF_SIDE = 0.01  # degrees: a district square is ~2 km wide, neighbours apart
PARCEL_SIDE = 0.0003  # degrees: ~30 m


class MashhadProvider(BaseProvider):
    """`fake.mashhad_point()`: a Point (SRID 4326) within ~500 m of a district seed."""

    def mashhad_point(self, district_code: int | None = None, spread: float = 0.005) -> Point:
        code = district_code or self.random_element(sorted(SEEDS))
        lon, lat = SEEDS[code]
        return Point(
            lon + self.generator.random.uniform(-spread, spread),
            lat + self.generator.random.uniform(-spread, spread),
            srid=4326,
        )


factory.Faker.add_provider(MashhadProvider)


def _district_geom(code: int) -> MultiPolygon:
    lon, lat = SEEDS[code]
    half = DISTRICT_HALF_SIDE
    polygon = Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half))
    polygon.srid = 4326
    return MultiPolygon(polygon, srid=4326)


class DistrictFactory(factory.django.DjangoModelFactory):
    """A district of the demo city's codes (1–13), a small square around its seed."""

    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: n % len(SEEDS) + 1)
    name_fa = factory.LazyAttribute(lambda o: f"منطقه {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"District {o.code}")
    geom = factory.LazyAttribute(lambda o: _district_geom(o.code))


def _parcel_geom(district: District, n: int) -> MultiPolygon:
    """The n-th lot of a 20 × 20 grid in the middle of the district's square."""
    lon, lat = SEEDS[district.code]
    row, col = divmod(n % 400, 20)
    x = lon - 10 * PARCEL_SIDE + col * PARCEL_SIDE
    y = lat - 10 * PARCEL_SIDE + row * PARCEL_SIDE
    lot = Polygon.from_bbox((x, y, x + PARCEL_SIDE * 0.9, y + PARCEL_SIDE * 0.9))
    lot.srid = 4326
    return MultiPolygon(lot, srid=4326)


class ParcelFactory(factory.django.DjangoModelFactory):
    """A ~30 m square lot inside its district, coded district-region-block-parcel."""

    class Meta:
        model = Parcel

    district = factory.SubFactory(DistrictFactory, code=11)
    renovation_code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.district.code}-1-{n // 100 + 1}-{n % 100 + 1}"
    )
    geom = factory.LazyAttributeSequence(lambda o, n: _parcel_geom(o.district, n))
    land_use = "residential"
    address = factory.Sequence(lambda n: f"Test street, alley {n % 40 + 1}")


def point_in(shape) -> Point:
    """A point well inside a district or parcel (its point on surface), in SRID 4326."""
    point = shape.geom.point_on_surface
    point.srid = 4326
    return point


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"department-{n}")
    name_fa = factory.Sequence(lambda n: f"اداره {n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")


class ServiceDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceDomain
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"domain-{n}")
    name_fa = factory.Sequence(lambda n: f"حوزه {n}")
    name_en = factory.Sequence(lambda n: f"Domain {n}")
    order = factory.Sequence(lambda n: n)


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    """A service online everywhere (pass `online_districts=[…]` for a pilot)."""

    class Meta:
        model = ServiceType
        skip_postgeneration_save = True
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-{n}")
    domain = factory.SubFactory(ServiceDomainFactory)
    department = factory.SubFactory(DepartmentFactory)
    name_fa = factory.Sequence(lambda n: f"خدمت {n}")
    name_en = factory.Sequence(lambda n: f"Service {n}")
    sla_days = 14

    @factory.post_generation
    def online_districts(self, create, districts, **kwargs):
        if create and districts:
            self.online_districts.set(districts)


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    """A request written straight to the table, with its "submitted" history line."""

    class Meta:
        model = ServiceRequest
        skip_postgeneration_save = True

    tracking_code = factory.LazyFunction(tracking_code_new)
    service_type = factory.SubFactory(ServiceTypeFactory)
    district = factory.SubFactory(DistrictFactory, code=11)
    location = factory.LazyAttribute(lambda o: point_in(o.district))
    department = factory.LazyAttribute(lambda o: o.service_type.department)
    status = RequestStatus.SUBMITTED
    description = "A hole in the road"
    contact_name = "Sara Ahmadi"
    contact_phone = "09123456789"
    contact_email = "sara@example.org"
    submitted_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(
        lambda o: o.submitted_at + timedelta(days=o.service_type.sla_days)
    )

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            RequestEvent.objects.create(
                request=self, kind=EventKind.SUBMITTED, to_status=self.status, public=True
            )


class StaffFactory(factory.Factory):
    """A staff account with its StaffProfile, made by the app's own `staff_create`."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff{n}")
    role = StaffRole.PLANNER
    password = "staff-test-pass-1"
    email = ""
    district_codes = factory.LazyAttribute(lambda o: [11] if o.role == StaffRole.PLANNER else [])

    @classmethod
    def _create(cls, model_class, **fields):
        return staff_create(**fields)

    @classmethod
    def _build(cls, model_class, **fields):
        raise NotImplementedError("staff accounts are only made by staff_create")


class LayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Layer
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"layer-{n}")
    name_fa = factory.Sequence(lambda n: f"لایه {n}")
    name_en = factory.Sequence(lambda n: f"Layer {n}")


class LayerVersionFactory(factory.django.DjangoModelFactory):
    """A version of a layer; `published=True` makes it the layer's published version."""

    class Meta:
        model = LayerVersion
        skip_postgeneration_save = True

    layer = factory.SubFactory(LayerFactory)
    number = factory.LazyAttribute(lambda o: o.layer.versions.count() + 1)
    source_name = "test.geojson"
    geometry_types = ["Point"]

    @factory.post_generation
    def published(self, create, extracted, **kwargs):
        if create and extracted:
            self.published_at = timezone.now()
            self.save(update_fields=["published_at"])
            self.layer.published_version = self
            self.layer.save(update_fields=["published_version", "updated_at"])


class FeatureFactory(factory.django.DjangoModelFactory):
    """A point feature of a version; `feature_count` of the version is kept in step."""

    class Meta:
        model = Feature
        skip_postgeneration_save = True

    version = factory.SubFactory(LayerVersionFactory)
    fid = factory.LazyAttribute(lambda o: o.version.features.count() + 1)
    geom = factory.Faker("mashhad_point", district_code=11)
    properties = factory.Sequence(lambda n: {"name": f"Feature {n}"})

    @factory.post_generation
    def counted(self, create, extracted, **kwargs):
        if create:
            LayerVersion.objects.filter(pk=self.version_id).update(
                feature_count=self.version.features.count()
            )
