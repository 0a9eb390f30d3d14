"""Load the demo layers (idempotent)."""

from pathlib import Path

from layers.demo import DATA_DIR, DEMO_LAYERS
from layers.services.create import layer_update_or_create
from layers.services.imports import file_sha256, layer_import


def layer_demo_load(*, directory: Path | None = None) -> dict[str, str]:
    """Create the demo layers and import their files unless already published (idempotent)."""
    directory = directory or DATA_DIR
    outcome = {}
    for slug, (filename, _generate, fields) in DEMO_LAYERS.items():
        layer = layer_update_or_create(slug=slug, **fields)
        path = directory / filename
        digest = file_sha256(path)
        current = layer.published_version
        if current is not None and current.report.get("sha256") == digest:
            outcome[slug] = f"v{current.number} already published"
            continue
        result = layer_import(layer=layer, path=path, publish=True)
        outcome[slug] = (
            f"v{result.version.number} published, {result.report.features_imported} features"
        )
    return outcome
