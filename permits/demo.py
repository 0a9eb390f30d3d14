"""Demo requests, filed through the real filing path so the demo behaves like real use.

`make run` loads them once (when there are no requests yet): a mix of urban-service,
green-space and permit requests on demo parcels in every district, denser in the pilot
District 11, some of them moved along their workflow by the demo planners.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from parcels.models import Parcel
from permits.filing import RequestRejected, request_file
from permits.models import ServiceKind, ServiceRequest, ServiceType
from permits.workflow import WorkflowError, request_transition, transitions_for

DEMO_DESCRIPTIONS = [
    "لطفاً هرچه زودتر رسیدگی شود.",
    "این مشکل چند روز است ادامه دارد.",
    "نزدیک ورودی مدرسه است.",
    "",
]


def _demo_value(definition: dict, rng: random.Random):
    """A valid value for an attribute definition (Open311 shape)."""
    datatype = definition["datatype"]
    keys = [value["key"] for value in definition.get("values", [])]
    if datatype == "singlevaluelist":
        return rng.choice(keys)
    if datatype == "multivaluelist":
        return rng.sample(keys, k=rng.randint(1, len(keys)))
    if datatype == "number":
        return max(definition.get("min") or 1, rng.randint(1, 4))
    if datatype == "datetime":
        return (timezone.localdate() + timedelta(days=rng.randint(1, 20))).isoformat()
    return "نمونه"


def requests_load_demo(*, count: int = 120, seed: int = 11) -> int:
    """File `count` demo requests (a third in District 11); returns how many were filed."""
    rng = random.Random(seed)
    services = list(ServiceType.objects.filter(active=True).prefetch_related("online_districts"))
    parcels = list(Parcel.objects.order_by("id").values_list("id", flat=True)[::97])
    pilot = list(
        Parcel.objects.filter(district__code=11).order_by("id").values_list("id", flat=True)[::23]
    )
    filed = 0
    for index in range(count):
        parcel = Parcel.objects.select_related("district").get(
            pk=rng.choice(pilot if index % 3 == 0 else parcels)
        )
        online = [
            s
            for s in services
            if not s.online_districts.all() or parcel.district in s.online_districts.all()
        ]
        service = rng.choice(online)
        centre = parcel.geom.point_on_surface
        attributes = {
            d["code"]: _demo_value(d, rng)
            for d in service.attributes
            if d.get("required") or rng.random() < 0.5
        }
        contact = (
            {"name": "شهروند نمونه", "phone": f"0915{rng.randrange(10**7):07d}"}
            if service.kind == ServiceKind.PERMIT
            else {}
        )
        try:
            request_file(
                service_code=service.code,
                point=Point(centre.x, centre.y, srid=4326),
                attributes=attributes,
                description=rng.choice(DEMO_DESCRIPTIONS),
                contact=contact,
            )
        except RequestRejected:
            continue  # e.g. a zoning-free spot for a permit: try the next one
        filed += 1
    _advance_some(rng)
    return filed


def _advance_some(rng: random.Random) -> None:
    """Move about half of the demo requests along, as the supervisor, so the queue and the
    dashboard show every stage."""
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    if supervisor is None:
        return
    for request in ServiceRequest.objects.select_related("service_type").order_by("id"):
        steps = rng.choice([0, 0, 1, 2, 3])
        for _ in range(steps):
            table = transitions_for(request.service_type.kind)
            forward = [
                s for s in table.get(request.status, ()) if s not in ("rejected", "duplicate")
            ]
            if not forward:
                break
            try:
                request_transition(
                    request=request,
                    user=supervisor,
                    to_status=forward[0],
                    note="بررسی شد." if forward[0] in ("needs_info",) else "",
                )
            except WorkflowError:
                break
            request.refresh_from_db()
