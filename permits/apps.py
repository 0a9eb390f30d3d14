from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = "Services and requests"

    def ready(self):
        # Connects the signals that renew the catalogue snapshot on every catalogue change
        # (permits.catalogue), whatever code saves the catalogue: admin, loaders, scripts.
        # Imported here: app modules may load models only once the registry is ready.
        from permits import catalogue  # noqa: F401
        from permits.collections import collections_register

        collections_register()
