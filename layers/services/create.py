"""Create a layer, or update its descriptive fields."""

from django.db import transaction

from layers.models import Layer


@transaction.atomic
def layer_create(
    *,
    slug: str,
    name_fa: str,
    name_en: str,
    purpose: str = "reference",
    description_fa: str = "",
    description_en: str = "",
    style: dict | None = None,
    time_property: str = "",
    min_zoom: int = 10,
    max_zoom: int = 18,
) -> Layer:
    layer = Layer(
        slug=slug,
        name_fa=name_fa,
        name_en=name_en,
        purpose=purpose,
        description_fa=description_fa,
        description_en=description_en,
        time_property=time_property,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
    )
    if style is not None:
        layer.style = style
    layer.full_clean()
    layer.save()
    return layer


@transaction.atomic
def layer_update_or_create(*, slug: str, **fields) -> Layer:
    """Create the layer, or update its descriptive fields (the demo loader uses this)."""
    layer = Layer.objects.select_for_update().filter(slug=slug).first()
    if layer is None:
        return layer_create(slug=slug, **fields)
    for name, value in fields.items():
        setattr(layer, name, value)
    layer.full_clean()
    layer.save()
    return layer
