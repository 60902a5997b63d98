"""The quick start's demo: the synthetic dataset through the import path, then what the import
cannot carry (tasks, meetings, referrals, victims' records) through each part's own services."""
