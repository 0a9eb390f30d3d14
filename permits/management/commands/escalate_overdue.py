"""For cron: email the supervisors a digest of newly overdue requests (idempotent)."""

from django.core.management import BaseCommand

from permits.workflow import requests_escalate_overdue


class Command(BaseCommand):
    help = "Escalate newly overdue requests to the supervisors; running twice sends nothing new."

    def handle(self, *args, **options):
        report = requests_escalate_overdue()
        if not report.recipients:
            self.stderr.write("no supervisor with an email address: nothing escalated")
            return
        self.stdout.write(
            f"escalated {len(report.escalated)} requests to {len(report.recipients)} supervisors"
        )
