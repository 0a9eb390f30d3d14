"""Load the demo layers (zoning, green space, parks routing) through the import service."""

from django.core.management import BaseCommand

from permits.demo_layers import DATA_DIR, DEMO_LAYERS, layer_demo_load, write_demo_layer_files


class Command(BaseCommand):
    help = "Import and publish the demo layers from data/layers/. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--regenerate", action="store_true", help="rewrite data/layers/*.geojson first"
        )

    def handle(self, *args, regenerate: bool, **options):
        if regenerate or not all((DATA_DIR / spec[0]).exists() for spec in DEMO_LAYERS.values()):
            write_demo_layer_files()
        for slug, outcome in layer_demo_load().items():
            self.stdout.write(f"layer {slug}: {outcome}")
