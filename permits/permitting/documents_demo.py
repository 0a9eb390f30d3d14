"""The demo catalogue's document requirements (data/permit_documents.json).

The file lists the service codes it applies to (the building permits of
data/services.json) and, for each, the documents asked for: `code`, `name_fa`, `name_en`,
`required`, `required_when` ("" always, "agent" only when an agent files),
`allowed_types` (pdf, jpeg, png) and `max_mb`. Loading twice changes nothing.
"""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from permits.models import ServiceType
from permits.permitting.models import DocumentRequirement

DEMO_FILE = Path(settings.BASE_DIR) / "data/permit_documents.json"


@transaction.atomic
def documents_load_demo(*, data: dict | None = None) -> int:
    """Create or update the requirements of the listed services (matched by service and
    code); returns how many requirements were written. Services not in the catalogue
    yet are skipped, so this runs after the catalogue is loaded."""
    data = data if data is not None else json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    written = 0
    for service_type in ServiceType.objects.filter(code__in=data["services"]):
        for order, item in enumerate(data["documents"]):
            requirement = DocumentRequirement.objects.filter(
                service_type=service_type, code=item["code"]
            ).first() or DocumentRequirement(service_type=service_type, code=item["code"])
            requirement.name_fa = item["name_fa"]
            requirement.name_en = item["name_en"]
            requirement.required = item.get("required", True)
            requirement.required_when = item.get("required_when", "")
            requirement.allowed_types = list(item["allowed_types"])
            requirement.max_bytes = int(item["max_mb"]) * 1024 * 1024
            requirement.order = order
            requirement.full_clean(validate_unique=False, validate_constraints=False)
            requirement.save()
            written += 1
    return written
