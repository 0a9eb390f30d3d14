"""Models of the permitting steps. Foreign keys name permits models by string
("permits.ServiceRequest"): this module is imported at the end of permits/models.py,
which is where Django looks for the app's models."""

from django.db import models  # noqa: F401
