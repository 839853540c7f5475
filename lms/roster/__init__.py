"""Roster import: people and their onboarding tracks from a CSV file."""
