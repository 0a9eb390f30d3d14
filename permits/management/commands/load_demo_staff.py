"""Demo staff accounts (local only: the passwords are in the README). Safe to run twice."""

from django.core.management import BaseCommand

from gis_portal.staff.models import StaffRole
from gis_portal.staff.services import staff_create

#: username, role, districts, password, email — for a local demo only.
DEMO_STAFF = [
    ("planner11", StaffRole.PLANNER, [11], "planner11-demo-pass", "planner11@example.org"),
    ("planner2", StaffRole.PLANNER, [2], "planner2-demo-pass", "planner2@example.org"),
    ("supervisor", StaffRole.SUPERVISOR, [], "supervisor-demo-pass", "supervisor@example.org"),
    ("gisstaff", StaffRole.GIS_STAFF, [], "gisstaff-demo-pass", "gis@example.org"),
]


class Command(BaseCommand):
    help = "Create the demo staff accounts (District 11 and 2 planners, supervisor, GIS staff)."

    def handle(self, *args, **options):
        for username, role, districts, password, email in DEMO_STAFF:
            staff_create(
                username=username,
                role=role,
                password=password,
                email=email,
                district_codes=districts,
            )
        self.stdout.write(f"staff: {len(DEMO_STAFF)} demo accounts ready (see README)")
