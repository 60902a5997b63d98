"""The managed cohort (MATAC): adoption with a reason, review at meetings, exit with a reason."""
