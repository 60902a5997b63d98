"""DA events: who harmed whom, when, with what offence, DASH grade and outcome."""
