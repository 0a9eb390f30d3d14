"""The demo city, built once per test session and copied into each test that asks for it.

Generating the ~1,300 demo parcels takes seconds and the demo catalogue and layers a
noticeable fraction of one; copying their rows back from a side schema takes a few
milliseconds. So the first test that needs a part of the demo city builds every part
once (with the app's own loaders, in dependency order), keeps a copy of the rows each
part wrote in the schema `demo_city_snapshot`, and empties the app's tables again.
Each test then restores only the parts it asks for (`districts`, `parcels`,
`catalogue`, `demo_layers` fixtures): a test sees exactly what it saw when it ran the
loaders itself, and nothing it did not ask for.

This works the same for tests in a rolled-back transaction (`db`) and for tests that
commit and are flushed afterwards (`transactional_db`, `live_server`): the copies live
outside Django's tables, so a flush never touches them, and a restore is an ordinary
write in the test's own transaction.
"""

import json
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from parcels.services import districts_load_demo, parcels_generate
from permits.catalogue import catalogue_load
from permits.demo_layers import layer_demo_load

SCHEMA = "demo_city_snapshot"
CATALOGUE = Path(settings.BASE_DIR) / "data/services.json"
DEMO_PARCELS = 1300


def _load_catalogue() -> None:
    catalogue_load(data=json.loads(CATALOGUE.read_text(encoding="utf-8")))


#: The parts of the demo city, in the order they are built (a part may need the earlier).
PARTS: dict[str, Callable[[], object]] = {
    "districts": districts_load_demo,
    "parcels": lambda: parcels_generate(count=DEMO_PARCELS),
    "catalogue": _load_catalogue,
    "demo_layers": layer_demo_load,
}


def _model_tables() -> list[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def _row_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - model table names
        counts[table] = cursor.fetchone()[0]
    return counts


def _insertable_columns(cursor, table: str) -> list[str]:
    """Columns a plain INSERT may write (generated columns such as area_m2 are not)."""
    cursor.execute(
        """SELECT column_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = %s
             AND is_generated = 'NEVER'
           ORDER BY ordinal_position""",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


class DemoCity:
    """Which tables each part wrote, with a copy of their rows in `SCHEMA`."""

    def __init__(self):
        self.tables: dict[str, list[str]] = {}
        self.columns: dict[str, str] = {}

    def build(self) -> None:
        tables = _model_tables()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
            before = _row_counts(cursor, tables)
            for part, load in PARTS.items():
                load()
                after = _row_counts(cursor, tables)
                written = [table for table in tables if after[table] != before[table]]
                shared = [table for table in written if before[table]]
                if shared:
                    raise AssertionError(
                        f"demo part {part!r} wrote to tables an earlier part filled: {shared}"
                    )
                for table in written:
                    cursor.execute(
                        f'CREATE TABLE {SCHEMA}."{part}__{table}" AS SELECT * FROM "{table}"'  # noqa: S608
                    )
                    columns = _insertable_columns(cursor, table)
                    self.columns[table] = ", ".join(f'"{column}"' for column in columns)
                self.tables[part] = written
                before = after
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending checks
            every_table = [table for part in PARTS for table in self.tables[part]]
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in every_table) + " CASCADE")

    def restore(self, part: str) -> None:
        """Write the rows `part` wrote when it was built, with their ids."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables[part]:
                columns = self.columns[table]
                cursor.execute(
                    f'INSERT INTO "{table}" ({columns}) '  # noqa: S608 - names from the catalog
                    f'SELECT {columns} FROM {SCHEMA}."{part}__{table}"'
                )
                if '"id"' in columns.split(", "):
                    _sequence_past_max_id(cursor, table)


def _sequence_past_max_id(cursor, table: str) -> None:
    """Rows come back with their ids: the id sequence must not hand those out again."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{table}"'])
    sequence = cursor.fetchone()[0]
    if sequence is None:
        return
    cursor.execute(
        f'SELECT setval(%s, GREATEST((SELECT coalesce(max(id), 1) FROM "{table}"), '  # noqa: S608
        f"(SELECT last_value FROM {sequence})))",
        [sequence],
    )
