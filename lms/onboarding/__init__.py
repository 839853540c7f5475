"""Onboarding: tracks, week plans, assignment, "this week"."""
