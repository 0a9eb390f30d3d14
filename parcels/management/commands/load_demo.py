"""Load the demo city: 13 districts and ~30,000 parcels (idempotent)."""

from django.core.management import BaseCommand, call_command, get_commands

from parcels.services import districts_load_demo, parcel_count, parcels_generate

DEMO_PARCELS = 30_000


class Command(BaseCommand):
    help = "Load the demo districts, parcels, and every app's demo data. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--parcels", type=int, default=DEMO_PARCELS)

    def handle(self, *args, parcels: int, **options):
        created = districts_load_demo()
        self.stdout.write(f"districts: {created} created, {13 - created} already there")
        if parcel_count() == 0:
            added = parcels_generate(count=parcels)
            self.stdout.write(f"parcels: {added} generated")
        else:
            self.stdout.write(f"parcels: {parcel_count()} already there")
        for app_command in (
            "load_demo_services",
            "load_demo_layers",
            "load_demo_staff",
            "load_demo_requests",
        ):
            if app_command in get_commands():  # apps add their own demo data
                call_command(app_command, stdout=self.stdout)
