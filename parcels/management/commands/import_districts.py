"""Import district boundaries from a file (dry run unless --commit)."""

from parcels.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import districts (code, name_fa, name_en) from GeoJSON, GeoPackage or zipped Shapefile."
    kind = "districts"
