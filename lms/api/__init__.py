"""The JSON API (/api/v1): access tokens, the OpenAPI description, and the xAPI queue."""
