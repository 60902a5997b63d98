"""Levers: the lawful routes against a person, recorded and ended; the unactioned breach derived."""
