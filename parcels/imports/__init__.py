"""Imports of real districts and parcels from files: `boundaries.boundaries_import`."""
