"""Deterministic demo layers of the demo city over its districts (see data/README.md, "Layers").

- `zoning`: every district split into a core zone (commercial / mixed, taller) and a
  residential remainder, with zone code, bilingual names, allowed uses, max floors
  and density;
- `green-space`: parks (one large, one or two small per district);
- `parks-routing`: the large parks (≥ 20 ha), where green-space service types are
  handled by the city's parks organisation (department `parks`).

The files are written once with `write_demo_layer_files()` and committed under
data/layers/; `load_demo_layers` imports them through `layer_import`.
"""

import json
import math
from pathlib import Path

import shapely
from shapely.geometry import mapping
from shapely.ops import transform

from layers.services.files import layers_publish_files
from parcels.demo import demo_districts

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "layers"
PARKS_DEPARTMENT = "parks"
#: Service codes of data/services.json. Green-space services already go to `parks`; inside
#: the large parks the parks organisation also takes lighting, potholes and dumping.
GREEN_SPACE_SERVICES = ["tree-pruning", "tree-planting", "park-damage", "irrigation-fault"]
IN_PARK_SERVICES = ["street-light-out", "pothole", "illegal-dumping"]
LARGE_PARK_HA = 20.0
GRID = 1e-6

M_PER_DEG_LAT = 111_320.0


def _metres_to_degrees(lat: float) -> tuple[float, float]:
    return 1 / (M_PER_DEG_LAT * math.cos(math.radians(lat))), 1 / M_PER_DEG_LAT


def _ellipse(lon: float, lat: float, rx_m: float, ry_m: float, turn: float) -> shapely.Polygon:
    dx, dy = _metres_to_degrees(lat)
    points = []
    for step in range(24):
        a = 2 * math.pi * step / 24
        x, y = rx_m * math.cos(a), ry_m * math.sin(a)
        x, y = x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)
        points.append((round(lon + x * dx, 6), round(lat + y * dy, 6)))
    return shapely.Polygon(points)


def _area_ha(polygon) -> float:
    lat = polygon.centroid.y
    dx, dy = _metres_to_degrees(lat)
    metric = transform(lambda x, y: (x / dx, y / dy), polygon)
    return metric.area / 10_000


ZONES = {
    "core": {
        "zone_code": "C{code}",
        "zone_name_fa": "مرکز تجاری و مختلط {name_fa}",
        "zone_name_en": "{name_en}: commercial and mixed-use centre",
        "allowed_uses": ["commercial", "mixed", "administrative", "health", "educational"],
        "max_floors": 8,
        "density": 320,
    },
    "residential": {
        "zone_code": "R{code}",
        "zone_name_fa": "مسکونی {name_fa}",
        "zone_name_en": "{name_en}: residential",
        "allowed_uses": ["residential", "educational", "religious", "green", "health"],
        "max_floors": 4,
        "density": 180,
    },
}


def _collection(features: list[dict], name: str) -> dict:
    return {"type": "FeatureCollection", "name": name, "features": features}


def zoning_layer() -> dict:
    features = []
    for district in demo_districts():
        geom = district.geom
        centre = geom.representative_point()
        core = geom.intersection(_ellipse(centre.x, centre.y, 1500, 1100, 0.0))
        rest = geom.difference(core)
        for kind, part in (("core", core), ("residential", rest)):
            part = shapely.set_precision(part, GRID)
            if part.is_empty:
                continue
            template = ZONES[kind]
            properties = {
                key: value.format(
                    code=district.code, name_fa=district.name_fa, name_en=district.name_en
                )
                if isinstance(value, str)
                else value
                for key, value in template.items()
            }
            properties["zone_type"] = kind
            properties["district"] = district.code
            features.append(
                {"type": "Feature", "properties": properties, "geometry": mapping(part)}
            )
    return _collection(features, "zoning")


PARK_NAMES = [
    ("پارک ملت", "Mellat Park"),
    ("پارک کوهسنگی", "Kuhsangi Park"),
    ("پارک وکیل‌آباد", "Vakilabad Park"),
    ("باغ نادری", "Naderi Garden"),
    ("پارک جنگلی طرقبه", "Torqabeh Forest Park"),
    ("بوستان بانوان", "Women's Garden"),
    ("پارک خورشید", "Khorshid Park"),
    ("بوستان لاله", "Laleh Garden"),
]


def _parks() -> list[tuple[shapely.Polygon, dict]]:
    parks = []
    number = 0
    for district in demo_districts():
        centre = district.geom.representative_point()
        offsets = [(900, -700, 420, 300), (-800, 600, 140, 110), (500, 900, 90, 70)]
        for index, (ox, oy, rx, ry) in enumerate(offsets):
            if index == 0 and district.code == 13:
                continue  # no large park in the shrine district
            dx, dy = _metres_to_degrees(centre.y)
            lon, lat = centre.x + ox * dx, centre.y + oy * dy
            polygon = _ellipse(lon, lat, rx, ry, math.radians(15 * district.code))
            if not district.geom.contains(polygon):
                polygon = shapely.set_precision(polygon.intersection(district.geom), GRID)
            if polygon.is_empty or polygon.geom_type != "Polygon":
                continue
            fa, en = PARK_NAMES[number % len(PARK_NAMES)]
            number += 1
            area = round(_area_ha(polygon), 1)
            parks.append(
                (
                    polygon,
                    {
                        "park_id": f"P{number:03d}",
                        "name_fa": f"{fa} ({district.name_fa})",
                        "name_en": f"{en} ({district.name_en})",
                        "kind": "large" if area >= LARGE_PARK_HA else "neighbourhood",
                        "area_ha": area,
                        "district": district.code,
                    },
                )
            )
    return parks


def green_space_layer() -> dict:
    return _collection(
        [
            {"type": "Feature", "properties": props, "geometry": mapping(polygon)}
            for polygon, props in _parks()
        ],
        "green_space",
    )


def routing_layer() -> dict:
    features = []
    for polygon, props in _parks():
        if props["area_ha"] < LARGE_PARK_HA:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "park_id": props["park_id"],
                    "name_fa": props["name_fa"],
                    "name_en": props["name_en"],
                    "service_codes": ",".join(GREEN_SPACE_SERVICES + IN_PARK_SERVICES),
                    "department": PARKS_DEPARTMENT,
                },
                "geometry": mapping(polygon),
            }
        )
    return _collection(features, "parks_routing")


#: slug → (file name, generator, layer fields)
DEMO_LAYERS = {
    "zoning": (
        "zoning.geojson",
        zoning_layer,
        {
            "name_fa": "پهنه‌بندی کاربری (نمونه)",
            "name_en": "Land-use zoning (demo)",
            "description_fa": "پهنه‌های نمونه با کاربری‌های مجاز، حداکثر طبقات و تراکم.",
            "description_en": "Demo zones with allowed uses, maximum floors and density.",
            "purpose": "zoning",
            "style": {
                "color": "#7a4b9e",
                "weight": 1,
                "fill_color": "#b39ddb",
                "fill_opacity": 0.25,
                "category_property": "zone_type",
                "categories": {"core": "#ff8a65", "residential": "#fff59d"},
                "category_labels": {
                    "core": {"fa": "مرکز تجاری و مختلط", "en": "Commercial and mixed-use centre"},
                    "residential": {"fa": "مسکونی", "en": "Residential"},
                },
            },
            "min_zoom": 9,
            "max_zoom": 18,
        },
    ),
    "green-space": (
        "green_space.geojson",
        green_space_layer,
        {
            "name_fa": "فضای سبز و پارک‌ها",
            "name_en": "Green spaces and parks",
            "description_fa": "پارک‌ها و بوستان‌های شهر (داده نمونه).",
            "description_en": "The city's parks and gardens (demo data).",
            "purpose": "green_space",
            "style": {
                "color": "#1b5e20",
                "weight": 1,
                "fill_color": "#43a047",
                "fill_opacity": 0.5,
            },
            "min_zoom": 9,
            "max_zoom": 18,
        },
    ),
    "parks-routing": (
        "parks_routing.geojson",
        routing_layer,
        {
            "name_fa": "محدوده‌های سازمان پارک‌ها",
            "name_en": "Parks organisation areas",
            "description_fa": "در این پارک‌های بزرگ، درخواست‌های فضای سبز به سازمان پارک‌ها می‌رود.",
            "description_en": (
                "Inside these large parks, green-space requests go to the parks organisation."
            ),
            "purpose": "routing_override",
            "style": {
                "color": "#e65100",
                "weight": 2,
                "fill_color": "#ffb74d",
                "fill_opacity": 0.15,
                "dash_array": "4 4",
            },
            "min_zoom": 9,
            "max_zoom": 18,
        },
    ),
}


def write_demo_layer_files(directory: Path = DATA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for _slug, (filename, generate, _fields) in DEMO_LAYERS.items():
        path = directory / filename
        path.write_text(
            json.dumps(generate(), ensure_ascii=False, separators=(",", ":")) + "\n",
            encoding="utf-8",
        )
        written.append(path)
    return written


def layer_demo_load(*, directory: Path | None = None) -> dict[str, str]:
    """Create the demo layers and import their files unless already published (idempotent)."""
    files = {
        slug: (filename, fields) for slug, (filename, _generate, fields) in DEMO_LAYERS.items()
    }
    return layers_publish_files(files=files, directory=directory or DATA_DIR)
