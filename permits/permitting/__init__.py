"""Building permits end to end, online: documents, the zoning brief, the check of an
application against it, fees from the year's tariff, payment, and receipts."""
