"""The error a service raises when input breaks a rule; views show it beside the field."""


class ServiceError(Exception):
    """A rule was broken; `field` names the input at fault (None for the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
