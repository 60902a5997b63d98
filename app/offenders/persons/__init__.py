"""Persons (nominals): names, aliases, markers, categories; retention review reminders."""
