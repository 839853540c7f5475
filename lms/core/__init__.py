"""Core pages: home, health check, error pages."""
