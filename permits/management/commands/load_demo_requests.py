"""Demo requests for the planners' queue and dashboard (once: skipped when any exist)."""

from django.core.management import BaseCommand

from permits.demo import requests_load_demo
from permits.models import ServiceRequest


class Command(BaseCommand):
    help = "File demo requests through the real filing path, unless there are requests already."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=120)

    def handle(self, *args, count: int, **options):
        if ServiceRequest.objects.exists():
            self.stdout.write(f"requests: {ServiceRequest.objects.count()} already there")
            return
        filed = requests_load_demo(count=count)
        self.stdout.write(f"requests: {filed} demo requests filed")
