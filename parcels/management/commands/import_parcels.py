"""Import parcels from a file (dry run unless --commit)."""

from parcels.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import parcels (renovation_code, land_use, address, postal_code, district_code) "
        "from GeoJSON, GeoPackage or zipped Shapefile; existing codes are kept."
    )
    kind = "parcels"
