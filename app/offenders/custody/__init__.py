"""Custody periods (remand, sentence, recall): recorded on the profile or imported from custody.csv."""
