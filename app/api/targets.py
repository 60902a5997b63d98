"""GET /api/v1/targets (the ranking issue)."""

PATHS: dict = {}
