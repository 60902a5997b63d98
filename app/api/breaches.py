"""POST /api/v1/breaches (the orders and breaches issue)."""

PATHS: dict = {}
