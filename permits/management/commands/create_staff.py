"""Create or update a staff account: `manage.py create_staff NAME --role planner --district 11`."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from gis_portal.staff.models import StaffRole
from gis_portal.staff.services import staff_create


class Command(BaseCommand):
    help = "Create or update a staff account with a role (planner, supervisor, gis_staff, admin)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=StaffRole.values)
        parser.add_argument(
            "--district", type=int, action="append", default=[], help="district code (planners)"
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", help="the password (asked for when omitted and the account is new)"
        )
        parser.add_argument("--no-password", action="store_true", help="leave the password as is")

    def handle(self, *args, username, role, district, email, password, no_password, **options):
        if password is None and not no_password:
            password = getpass.getpass("Password: ")
        try:
            user = staff_create(
                username=username,
                role=role,
                password=None if no_password else password,
                email=email,
                district_codes=district,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        codes = ", ".join(str(code) for code in sorted(district)) or "all"
        self.stdout.write(f"{user.username}: {role}, districts: {codes}")
