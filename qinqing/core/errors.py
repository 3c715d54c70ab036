"""Domain errors whose message a civil servant can read and act on (STYLE.md §5)."""


class QinqingError(Exception):
    """Base class for every error shown to a user.

    ``message`` is Simplified Chinese, says what is wrong, where, and what to do.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(QinqingError):
    """Input (a file, a form, a CLI argument) that cannot be accepted as it is."""


class NotFound(QinqingError):
    """The object does not exist or is not visible to the user (same message for both)."""


class IllegalTransition(QinqingError):
    """A state change that the object's state machine forbids."""


class PermissionDenied(QinqingError):
    """The user's role does not allow this action."""
