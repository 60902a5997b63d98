"""DALO needs assessments and hidden-harm visits, and the repeat victims due a visit, ordered by need."""
