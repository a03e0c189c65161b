"""The error every app's services raise when an action cannot be done now."""


class ServiceError(Exception):
    """An action that cannot be done now; `message` is meant for the person who tried.

    `code` names the reason for callers and tests; a subclass sets its default.
    """

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
