from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = "Services and requests"

    def ready(self):
        # Connects the signals that renew the catalogue snapshot on every catalogue change
        # (permits.selectors), whatever code saves the catalogue: admin, loaders, scripts.
        from permits import selectors  # noqa: F401
