"""Choose which version of a layer is served, or serve none."""

from django.db import transaction
from django.utils import timezone

from layers.models import Layer, LayerVersion


@transaction.atomic
def layer_publish(*, version: LayerVersion) -> Layer:
    """Serve `version` (a new import, or an older one to restore) from now on."""
    layer = Layer.objects.select_for_update().get(pk=version.layer_id)
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    layer.published_version = version
    layer.full_clean()
    layer.save(update_fields=["published_version", "updated_at"])
    return layer


@transaction.atomic
def layer_unpublish(*, layer: Layer) -> Layer:
    layer = Layer.objects.select_for_update().get(pk=layer.pk)
    layer.published_version = None
    layer.save(update_fields=["published_version", "updated_at"])
    return layer
