"""`manage.py bench` (make bench): measure every hot path at city scale against raw SQL.

The work is in gis_portal.bench; `--stage` runs one building step inside a child
process connected to the bench database (internal).
"""

import argparse
import json

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import BaseCommand, CommandError
from django.db import connection

from gis_portal.bench import data
from gis_portal.bench.config import BENCH_USERNAME, BenchConfig
from gis_portal.bench.plans import hot_query_checks
from gis_portal.bench.run import run


class Command(BaseCommand):
    help = "Build (once) the 1M-parcel bench database, serve it with gunicorn, measure, report."

    def add_arguments(self, parser):
        parser.add_argument("--db", default=BenchConfig.database, help="bench database name")
        parser.add_argument("--parcels", type=int, default=BenchConfig.parcels)
        parser.add_argument("--requests", type=int, default=BenchConfig.requests)
        parser.add_argument("--rows", default="", help="only these rows, e.g. 1,4,7")
        parser.add_argument("--workers", type=int, default=BenchConfig.workers)
        parser.add_argument(
            "--seconds",
            type=float,
            default=BenchConfig.filing_seconds,
            help="duration of each filing load run",
        )
        parser.add_argument("--rebuild", action="store_true", help="rebuild the bench database")
        parser.add_argument(
            "--stage", choices=["base", "bulk", "session", "plans"], help=argparse.SUPPRESS
        )

    def handle(self, *args, **options):
        try:
            rows = tuple(int(r) for r in options["rows"].split(",") if r.strip()) or (
                BenchConfig.rows
            )
        except ValueError:
            raise CommandError("--rows takes row numbers, e.g. --rows 1,4,7") from None
        if any(r not in range(1, 9) for r in rows):
            raise CommandError("rows are numbered 1 to 8")
        if options["parcels"] < 1000 or options["requests"] < 1000:
            raise CommandError("--parcels and --requests must be at least 1000")
        config = BenchConfig(
            database=options["db"],
            parcels=options["parcels"],
            requests=options["requests"],
            rows=rows,
            workers=options["workers"],
            filing_seconds=options["seconds"],
        )
        stage = options["stage"]
        if stage:
            return self.stage(stage, config)
        run(config, lambda line: self.stdout.write(line), rebuild=options["rebuild"])

    def stage(self, stage: str, config: BenchConfig) -> None:
        if connection.settings_dict["NAME"] != config.database:
            raise CommandError("stages run on the bench database only (set by the bench)")
        if stage == "base":
            data.stage_base()
        elif stage == "bulk":
            data.stage_bulk(config)
        elif stage == "session":
            self.stdout.write(session_key())
        elif stage == "plans":
            user = staff_user()
            checks = hot_query_checks(force_index=False, user=user)
            self.stdout.write(json.dumps([check.as_dict() for check in checks]))


def staff_user():
    return get_user_model().objects.get(username=BENCH_USERNAME)


def session_key() -> str:
    """A signed-in session of the bench supervisor (the same secret key as the server)."""
    user = staff_user()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
