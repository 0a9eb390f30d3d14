from django.apps import AppConfig


class ParcelsConfig(AppConfig):
    name = "parcels"
    verbose_name = "Districts and parcels"

    def ready(self):
        # Imported here: app modules may load models only once the registry is ready.
        from parcels.collections import collections_register

        collections_register()
