"""Import a vector file as a new version of a layer: a dry run unless --commit."""

from django.core.management import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from layers.models import Layer
from layers.services.imports import LayerImportError, layer_import


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Check FILE (GeoJSON, zipped Shapefile, GeoPackage) and print the validation report; "
        "with --commit, import it as a new version of --layer and publish it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--layer", required=True, help="the layer's slug (it must exist)")
        parser.add_argument("--epsg", type=int, help="the file's EPSG code, if it does not say")
        parser.add_argument("--commit", action="store_true", help="import and publish")
        parser.add_argument("--no-publish", action="store_true", help="with --commit: import only")

    def handle(self, *args, file: str, layer: str, epsg, commit: bool, no_publish: bool, **opts):
        target = Layer.objects.filter(slug=layer).first()
        if target is None:
            raise CommandError(f"No layer {layer!r}; create it in the admin or the staff page.")
        bar = tqdm(desc="features", unit="f", disable=opts.get("verbosity", 1) < 1)
        last = 0

        def progress(count: int) -> None:
            nonlocal last
            bar.update(count - last)
            last = count

        result = None
        try:
            with transaction.atomic():
                result = layer_import(
                    layer=target,
                    path=file,
                    declared_srid=epsg,
                    publish=commit and not no_publish,
                    progress=progress,
                )
                if not commit:
                    raise _DryRun
        except LayerImportError as error:
            raise CommandError(str(error)) from None
        except _DryRun:
            pass
        finally:
            bar.close()
        report = result.report
        self.stdout.write(f"source: {report.source} ({report.driver}, layer {report.source_layer})")
        self.stdout.write(f"crs: {report.source_crs}{' (declared)' if report.crs_declared else ''}")
        self.stdout.write(
            f"features: {report.features_read} read, {report.features_imported} imported"
        )
        self.stdout.write(f"geometry types: {report.geometry_types}")
        self.stdout.write(f"attributes: {report.schema}")
        for item in report.repaired:
            self.stdout.write(f"repaired #{item['fid']}: {item['reason']}")
        for item in report.refused:
            self.stdout.write(f"refused #{item['fid']}: {item['reason']}")
        if commit:
            state = "imported" if no_publish else "published"
            self.stdout.write(f"{target.slug} v{result.version.number} {state}")
        else:
            self.stdout.write("dry run: nothing was saved (use --commit)")
