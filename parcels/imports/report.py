"""What an import of districts or parcels from a file reports, and how it fails."""

from dataclasses import dataclass, field


class BoundaryImportError(Exception):
    """The file as a whole cannot be imported; nothing was written."""


class MappingError(BoundaryImportError):
    """The field mapping names attributes the file does not have."""


@dataclass
class ImportReport:
    kind: str
    features: int = 0
    loaded: int = 0
    skipped_existing: int = 0
    repaired: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    committed: bool = False
    #: Seconds per stage of a parcel import (staging load, SQL checks, INSERT, …).
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        head = "committed" if self.committed else "dry run (nothing written; add --commit)"
        out = [
            f"{self.kind}: {self.features} features read, {self.loaded} loaded, "
            f"{self.skipped_existing} already present, {len(self.repaired)} repaired, "
            f"{len(self.refused)} refused — {head}"
        ]
        out += [f"  repaired {ident}: {reason}" for ident, reason in self.repaired]
        out += [f"  refused {ident}: {reason}" for ident, reason in self.refused]
        return out


DISTRICT_FIELDS = {"code": "code", "name_fa": "name_fa", "name_en": "name_en"}
PARCEL_FIELDS = {
    "renovation_code": "renovation_code",
    "land_use": "land_use",
    "address": "address",
    "postal_code": "postal_code",
    "district_code": "district_code",
}
REQUIRED_FIELDS = {"districts": {"code", "name_fa"}, "parcels": {"renovation_code"}}


class Rollback(Exception):
    pass
