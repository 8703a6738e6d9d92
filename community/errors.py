"""Domain errors every app raises from its services.

Views turn them into a message on the page or a 4xx in the API; a user never
sees a stack trace for something they can fix.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """Something the user asked for cannot be done; ``message`` says why."""

    status_code = 400

    def __init__(self, message: str | Promise) -> None:
        # Rendered now, in the language of the request that raised it.
        self.message = str(message)
        super().__init__(self.message)


class NotAllowed(DomainError):
    """The actor may not do this to an object they can see."""

    status_code = 403


class Conflict(DomainError):
    """The object changed under the actor; reload and try again."""

    status_code = 409
