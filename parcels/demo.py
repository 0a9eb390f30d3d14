"""Deterministic synthetic districts and parcels around Mashhad's real centre.

The boundaries are illustrative, not official (see data/README.md). Districts are a
Voronoi partition of a city outline around seeds placed roughly where Mashhad's
district municipalities lie, with Samen as a small central district around the
shrine; all boundaries are noded together so neighbours share exact edges.
Parcels are rectangular lots laid out in blocks on a ~90 m grid, densest around each
district's centre, numbered `district-region-block-parcel`.
"""

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.ops import polygonize, unary_union
from shapely.prepared import prep

from parcels.models import SAMEN_CODE

CITY_CENTRE = (59.6062, 36.2970)  # lon, lat
SHRINE = (59.6157, 36.2880)
GRID = 1e-6  # coordinates are stored to about 0.1 m

# (code, name_fa, name_en, seed lon, seed lat)
DISTRICT_SEEDS = [
    (1, "منطقه ۱", "District 1", 59.575, 36.305),
    (2, "منطقه ۲", "District 2", 59.600, 36.335),
    (3, "منطقه ۳", "District 3", 59.648, 36.330),
    (4, "منطقه ۴", "District 4", 59.668, 36.296),
    (5, "منطقه ۵", "District 5", 59.665, 36.262),
    (6, "منطقه ۶", "District 6", 59.628, 36.255),
    (7, "منطقه ۷", "District 7", 59.700, 36.318),
    (8, "منطقه ۸", "District 8", 59.590, 36.272),
    (9, "منطقه ۹", "District 9", 59.530, 36.305),
    (10, "منطقه ۱۰", "District 10", 59.545, 36.342),
    (11, "منطقه ۱۱", "District 11", 59.545, 36.268),
    (12, "منطقه ۱۲", "District 12", 59.480, 36.330),
]
SAMEN = (SAMEN_CODE, "منطقه ثامن", "Samen District")

STREETS = [
    "بلوار وکیل‌آباد",
    "بلوار سجاد",
    "بلوار فلسطین",
    "بلوار احمدآباد",
    "بلوار کوهسنگی",
    "خیابان امام رضا",
    "بلوار هاشمیه",
    "بلوار معلم",
    "بلوار صیاد شیرازی",
    "بلوار پیروزی",
    "بلوار هفت تیر",
    "بلوار شریعتی",
    "خیابان دانشگاه",
    "بلوار جمهوری",
    "بلوار فرامرز عباسی",
    "بلوار طبرسی",
    "بلوار توس",
    "خیابان عبادی",
    "بلوار مدرس",
    "بلوار اقبال",
    "بلوار نماز",
    "بلوار آزادی",
    "بلوار امامت",
    "خیابان ابوطالب",
    "بلوار شهید کلاهدوز",
    "بلوار استقلال",
]
LAND_USES = [
    ("residential", 62),
    ("commercial", 12),
    ("mixed", 8),
    ("administrative", 3),
    ("educational", 4),
    ("health", 2),
    ("religious", 2),
    ("green", 3),
    ("industrial", 2),
    ("vacant", 2),
]


@dataclass(frozen=True)
class DemoDistrict:
    code: int
    name_fa: str
    name_en: str
    geom: MultiPolygon
    office_address: str
    office_phone: str


def city_outline() -> Polygon:
    """An ellipse-like outline, longer east-west, slightly rotated, about 380 km²."""
    lon0, lat0 = CITY_CENTRE
    points = []
    for step in range(36):
        angle = 2 * math.pi * step / 36
        x, y = 0.145 * math.cos(angle), 0.075 * math.sin(angle)
        tilt = math.radians(-18)
        rx, ry = x * math.cos(tilt) - y * math.sin(tilt), x * math.sin(tilt) + y * math.cos(tilt)
        points.append((round(lon0 + 0.025 + rx, 6), round(lat0 + ry, 6)))
    return Polygon(points)


def _samen_outline() -> Polygon:
    lon0, lat0 = SHRINE
    return Polygon(
        [
            (round(lon0 + 0.014 * math.cos(a), 6), round(lat0 + 0.010 * math.sin(a), 6))
            for a in (2 * math.pi * k / 12 for k in range(12))
        ]
    )


def demo_districts() -> list[DemoDistrict]:
    """The 13 districts, noded so that neighbours share their edges exactly."""
    outline = city_outline()
    samen = _samen_outline()
    seeds = shapely.MultiPoint([(lon, lat) for _, _, _, lon, lat in DISTRICT_SEEDS])
    cells = shapely.voronoi_polygons(seeds, extend_to=outline.buffer(0.1))
    linework = [outline.boundary, samen.boundary] + [cell.boundary for cell in cells.geoms]
    noded = shapely.set_precision(unary_union(linework), GRID)
    faces = [face for face in polygonize(noded) if outline.contains(face.representative_point())]
    assigned: dict[int, list[Polygon]] = defaultdict(list)
    for face in faces:
        inside = face.representative_point()
        if samen.contains(inside):
            assigned[SAMEN_CODE].append(face)
            continue
        code = min(DISTRICT_SEEDS, key=lambda seed: Point(seed[3], seed[4]).distance(inside))[0]
        assigned[code].append(face)
    districts = []
    for code, name_fa, name_en in [s[:3] for s in DISTRICT_SEEDS] + [SAMEN]:
        merged = shapely.set_precision(unary_union(assigned[code]), GRID)
        polygons = list(merged.geoms) if merged.geom_type == "MultiPolygon" else [merged]
        districts.append(
            DemoDistrict(
                code=code,
                name_fa=name_fa,
                name_en=name_en,
                geom=MultiPolygon(polygons),
                office_address=f"مشهد، {name_fa}، ساختمان شهرداری منطقه",
                office_phone=f"051-3{code:02d}00000",
            )
        )
    return districts


@dataclass(frozen=True)
class DemoParcel:
    renovation_code: str
    district_code: int
    wkt: str
    land_use: str
    address: str
    postal_code: str


CELL_DEG_LAT = 0.00072  # ~80 m
PARCEL_ROWS, PARCEL_COLS = 4, 6  # 24 lots a block
REGION_DEG = 0.012  # ~1.2 km regions inside a district


def _cell_size() -> tuple[float, float]:
    return CELL_DEG_LAT / math.cos(math.radians(CITY_CENTRE[1])), CELL_DEG_LAT


def _cells_by_distance(district: DemoDistrict, rng: random.Random) -> list[tuple]:
    """Grid cells wholly inside the district, nearest its centre first (jittered)."""
    cell_lon, cell_lat = _cell_size()
    area = prep(district.geom)
    minx, miny, maxx, maxy = district.geom.bounds
    centre = district.geom.representative_point()
    cells = []
    for i in range(int((maxx - minx) / cell_lon) + 1):
        for j in range(int((maxy - miny) / cell_lat) + 1):
            x0, y0 = minx + i * cell_lon, miny + j * cell_lat
            if area.contains(box(x0, y0, x0 + cell_lon, y0 + cell_lat)):
                distance = centre.distance(Point(x0, y0)) * (0.8 + 0.4 * rng.random())
                cells.append((distance, x0, y0))
    cells.sort()
    return cells


def _block_quotas(blocks: int, capacity: dict[int, int]) -> dict[int, int]:
    """Share `blocks` equally between districts, passing what a small one can't hold on."""
    if blocks > sum(capacity.values()):
        raise ValueError(f"the demo city holds at most {sum(capacity.values())} blocks")
    quotas = dict.fromkeys(capacity, 0)
    remaining = blocks
    while remaining:
        open_codes = [code for code in capacity if quotas[code] < capacity[code]]
        share = max(1, remaining // len(open_codes))
        for code in open_codes:
            take = min(share, capacity[code] - quotas[code], remaining)
            quotas[code] += take
            remaining -= take
    return quotas


def demo_parcels(count: int, *, seed: int = 11) -> Iterator[DemoParcel]:
    """`count` parcels, deterministic for a given seed, spread over all 13 districts.

    Each district gets an equal share, taken from the grid cells nearest its centre
    (with some jitter), so every district has a dense core — District 11 included.
    """
    rng = random.Random(seed)
    districts = demo_districts()
    cells_by_district = {d.code: _cells_by_distance(d, rng) for d in districts}
    quotas = _block_quotas(
        math.ceil(count / (PARCEL_ROWS * PARCEL_COLS)),
        {code: len(cells) for code, cells in cells_by_district.items()},
    )
    cell_lon, cell_lat = _cell_size()
    produced = 0
    land_uses, weights = zip(*LAND_USES, strict=True)
    for district in districts:
        minx, miny = district.geom.bounds[:2]
        cells = cells_by_district[district.code]
        block_numbers: dict[int, int] = defaultdict(int)
        region_numbers: dict[tuple[int, int], int] = {}
        for _distance, x0, y0 in cells[: quotas[district.code]]:
            region_key = (int((x0 - minx) / REGION_DEG), int((y0 - miny) / REGION_DEG))
            region = region_numbers.setdefault(region_key, len(region_numbers) + 1)
            block_numbers[region] += 1
            block = block_numbers[region]
            street = STREETS[(district.code * 7 + region * 3 + block) % len(STREETS)]
            alley = block % 40 + 1
            lot_w = (cell_lon * 0.88) / PARCEL_COLS
            lot_h = (cell_lat * 0.84) / PARCEL_ROWS
            for lot in range(PARCEL_ROWS * PARCEL_COLS):
                if produced >= count:
                    return
                row, col = divmod(lot, PARCEL_COLS)
                px = x0 + cell_lon * 0.06 + col * lot_w
                py = y0 + cell_lat * 0.08 + row * lot_h
                inset = 0.03 * lot_w
                ring = [
                    (px + inset, py + inset),
                    (px + lot_w - inset, py + inset),
                    (px + lot_w - inset, py + lot_h - inset),
                    (px + inset, py + lot_h - inset),
                ]
                coords = ", ".join(f"{x:.7f} {y:.7f}" for x, y in [*ring, ring[0]])
                number = lot + 1
                yield DemoParcel(
                    renovation_code=f"{district.code}-{region}-{block}-{number}",
                    district_code=district.code,
                    wkt=f"MULTIPOLYGON((({coords})))",
                    land_use=rng.choices(land_uses, weights)[0],
                    address=(
                        f"مشهد، {district.name_fa}، {street}، "
                        f"{street.split()[-1]} {alley}، پلاک {number}"
                    ),
                    postal_code=f"91{rng.randrange(10**8):08d}",
                )
                produced += 1
