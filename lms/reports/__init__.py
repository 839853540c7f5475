"""Reports: training records, certification progress, onboarding status, expirations,
quiz reports, and the one CSV writer every export goes through."""
