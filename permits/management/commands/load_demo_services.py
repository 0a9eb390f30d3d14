"""Load the demo service catalogue (data/services.json). Safe to run twice."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand

from permits.catalogue import catalogue_load
from permits.permitting.documents_demo import documents_load_demo


class Command(BaseCommand):
    help = "Load departments, service domains and service types from data/services.json."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.BASE_DIR) / "data/services.json"))

    def handle(self, *args, file: str, **options):
        report = catalogue_load(data=json.loads(Path(file).read_text(encoding="utf-8")))
        self.stdout.write(
            f"services: {report.departments} departments, {report.domains} domains, "
            f"{report.services_created} service types created, "
            f"{report.services_updated} updated"
        )
        self.stdout.write(f"permit documents: {documents_load_demo()} requirements")
