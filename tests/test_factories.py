"""The factories make valid rows that the app's own selectors find where they should."""

import pytest
from django.contrib.gis.geos import Point
from faker import Faker

from gis_portal.staff.models import StaffRole
from parcels.selectors import district_at, parcel_at

from .factories import (
    SEEDS,
    DistrictFactory,
    FeatureFactory,
    LayerVersionFactory,
    MashhadProvider,
    ParcelFactory,
    ServiceRequestFactory,
    ServiceTypeFactory,
    StaffFactory,
    point_in,
)


def test_the_point_provider_is_in_mashhad():
    fake = Faker()
    fake.add_provider(MashhadProvider)
    for _ in range(20):
        point = fake.mashhad_point()
        assert isinstance(point, Point) and point.srid == 4326
        assert 59.4 < point.x < 59.8 and 36.2 < point.y < 36.4


@pytest.mark.django_db
def test_districts_and_parcels_are_valid_and_found_by_location():
    district = DistrictFactory(code=11)
    parcels = ParcelFactory.create_batch(3, district=district)
    for parcel in parcels:
        parcel.full_clean()
        assert district.geom.contains(parcel.geom)
        assert parcel_at(point_in(parcel)).pk == parcel.pk
    district.full_clean()
    assert district_at(Point(*SEEDS[11], srid=4326)).district.pk == district.pk
    assert DistrictFactory(code=11).pk == district.pk  # one district per code


@pytest.mark.django_db
def test_a_request_has_its_history_and_its_routing():
    service = ServiceTypeFactory(online_districts=[DistrictFactory(code=2)])
    request = ServiceRequestFactory(service_type=service, district=DistrictFactory(code=2))
    request.full_clean()
    assert request.department == service.department
    assert request.district.geom.contains(request.location)
    assert list(request.events.values_list("kind", flat=True)) == ["submitted"]
    assert list(service.online_districts.values_list("code", flat=True)) == [2]


@pytest.mark.django_db
def test_staff_accounts_have_their_profile():
    DistrictFactory(code=11)
    planner = StaffFactory()
    supervisor = StaffFactory(role=StaffRole.SUPERVISOR)
    assert planner.staff_profile.role == StaffRole.PLANNER
    assert list(planner.staff_profile.districts.values_list("code", flat=True)) == [11]
    assert supervisor.staff_profile.role == StaffRole.SUPERVISOR
    assert planner.check_password("staff-test-pass-1")


@pytest.mark.django_db
def test_a_published_layer_with_features():
    version = LayerVersionFactory(published=True)
    FeatureFactory.create_batch(2, version=version)
    version.refresh_from_db()
    assert version.layer.published_version == version
    assert version.feature_count == 2
    assert list(version.features.values_list("fid", flat=True)) == [1, 2]
