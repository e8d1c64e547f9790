"""Domain errors raised by services; the API turns them into problem+json.

Their texts are ``lazy`` ones, so that each is read in the language of whoever
is shown it (a page's, the API caller's ``Accept-Language``, the command line's):
``str()`` gives the language current then, English unless one is set."""

from dataclasses import dataclass, field

from agilegov.i18n import Lazy, joined


@dataclass
class FieldProblem:
    field: str
    message: str | Lazy


@dataclass
class DomainError(Exception):
    detail: str | Lazy
    problems: list[FieldProblem] = field(default_factory=list)
    status = 400
    title = "Bad request"

    def __str__(self) -> str:
        parts = [str(self.detail)] + [f"{p.field}: {p.message}" for p in self.problems]
        return "; ".join(parts)


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"

    @classmethod
    def on(cls, field_name: str, message: str | Lazy) -> "InvalidInput":
        return cls(joined([field_name, message], ": "), [FieldProblem(field_name, message)])

    @classmethod
    def of(cls, problems: list[FieldProblem]) -> "InvalidInput":
        """One error naming each of ``problems``."""
        return cls(joined([joined([p.field, p.message], ": ") for p in problems]), problems)


class TooLarge(InvalidInput):
    """Input over one of the configured limits (its size, its rows)."""

    status = 413
    title = "Too large"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthenticated(DomainError):
    status = 401
    title = "Authentication required"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


@dataclass
class TooManyRequests(DomainError):
    # Whole seconds until trying again can succeed, when known (sent as Retry-After).
    retry_after: int | None = None
    status = 429
    title = "Too many requests"


class MailNotSent(DomainError):
    """What was asked is done, but its mail could not be handed over: ask again."""

    status = 503
    title = "Service unavailable"
