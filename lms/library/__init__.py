"""The library: reference documents arranged by audience, task and symptom; search."""
