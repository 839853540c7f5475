"""Quiz grading, sampling and item statistics (pure Python)."""
