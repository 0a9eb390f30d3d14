"""Shared argument handling of import_districts and import_parcels."""

from django.core.management import BaseCommand, CommandError
from tqdm import tqdm

from parcels.imports.boundaries import boundaries_import
from parcels.imports.report import BoundaryImportError


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON, GeoPackage or a zipped Shapefile")
        parser.add_argument(
            "--field",
            action="append",
            default=[],
            metavar="TARGET=SOURCE",
            help="map a portal field to the file's attribute, e.g. --field code=DIST_NO",
        )
        parser.add_argument("--commit", action="store_true", help="write (default: dry run)")

    def handle(self, *args, file: str, field: list[str], commit: bool, **options):
        field_map = {}
        for item in field:
            target, sep, source = item.partition("=")
            if not sep or not target or not source:
                raise CommandError(f"--field takes TARGET=SOURCE, not {item!r}")
            field_map[target.strip()] = source.strip()
        with tqdm(unit="feature", disable=options["verbosity"] == 0, leave=False) as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            try:
                report = boundaries_import(
                    path=file,
                    kind=self.kind,
                    field_map=field_map,
                    commit=commit,
                    progress=progress,
                )
            except BoundaryImportError as error:
                raise CommandError(f"{file}: {error} — nothing was written") from error
        for line in report.lines():
            self.stdout.write(line)
        if options["verbosity"] >= 2 and report.timings:
            self.stdout.write(
                "seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items())
            )
