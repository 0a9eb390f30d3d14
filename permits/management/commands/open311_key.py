"""Issue or revoke an Open311 API key: `open311_key create NAME` / `open311_key revoke NAME`."""

from django.core.management import BaseCommand, CommandError

from permits.open311.keys import Open311KeyError, open311_client_create, open311_client_revoke


class Command(BaseCommand):
    help = "Issue (prints the key once) or revoke the Open311 API key of a client."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("name", help="the client's name, e.g. 'call-centre-137'")

    def handle(self, *args, action: str, name: str, **options):
        try:
            if action == "create":
                client, raw_key = open311_client_create(name=name)
            else:
                client = open311_client_revoke(name=name)
        except Open311KeyError as error:
            raise CommandError(str(error)) from None
        if action == "create":
            self.stderr.write(
                f"Open311 key for {client.name} (shown once; only its hash is stored):"
            )
            self.stdout.write(raw_key)
        else:
            self.stdout.write(f"Open311 key of {client.name} revoked.")
