"""Generate deterministic synthetic parcels inside the districts (e.g. for benchmarks)."""

from django.core.management import BaseCommand, CommandError
from tqdm import tqdm

from parcels.models import District
from parcels.services import parcels_generate


class Command(BaseCommand):
    help = "Generate N parcels with a seed; existing renovation codes are kept."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, count: int, seed: int, **options):
        if not District.objects.exists():
            raise CommandError("Load districts first (manage.py load_demo or import_districts).")
        if count < 1:
            raise CommandError("--count must be at least 1")
        with tqdm(total=count, unit="parcel", disable=options["verbosity"] == 0) as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            try:
                added = parcels_generate(count=count, seed=seed, progress=progress)
            except ValueError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(f"{added} parcels added")
