"""Victim feedback (the Victims' Panel's questions), recorded with consent and shown only in aggregate."""
