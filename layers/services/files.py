"""Publish layers from files kept with the code (idempotent: a file already published
unchanged is left alone)."""

from pathlib import Path

from layers.services.create import layer_update_or_create
from layers.services.imports import file_sha256, layer_import


def layers_publish_files(*, files: dict[str, tuple[str, dict]], directory: Path) -> dict[str, str]:
    """For each slug → (file name, layer fields): create or update the layer and import and
    publish the file unless that exact file is already its published version."""
    outcome = {}
    for slug, (filename, fields) in files.items():
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
