"""Domain errors: what a use case raises when it refuses, with no HTTP and no I/O.

A use case says *why* it refuses with a stable `code` (snake_case, part of every API's contract)
and a Dutch `melding` for people; wrong input names every wrong field at once in `problemen`.
The kind (the subclass) says what sort of refusal it is; how that is answered over HTTP is the
web layer's business (one table in `dinet_chassis.web.fouten`), and a page catches the error
itself to show the form again with the person's input.

    raise Invalid(problemen=[FieldProblem("email", "verplicht", "Vul je e-mailadres in.")])
    raise Conflict("email_bestaat_al", "Er is al een lid met dit e-mailadres.",
                   problemen=[FieldProblem("email", "email_bestaat_al", "...")])
    raise NotFound("plan_onbekend", "Dit plan bestaat niet.")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

__all__ = ["Conflict", "DomainError", "FieldProblem", "Forbidden", "Invalid", "NotFound"]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One wrong field: where (`veld`, a dotted path for nested input), a stable `code`, and what
    to do about it in Dutch (`melding`)."""

    veld: str
    code: str
    melding: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class DomainError(Exception):
    """A refusal by the domain. Subclass by kind; the class attributes are the defaults a raise
    may leave out."""

    code: str = "geweigerd"
    melding: str = "Dit kan niet."

    def __init__(
        self,
        code: str | None = None,
        melding: str | None = None,
        *,
        problemen: Iterable[FieldProblem] = (),
    ) -> None:
        self.code = code or type(self).code
        self.melding = melding or type(self).melding
        self.problemen: tuple[FieldProblem, ...] = tuple(problemen)
        super().__init__(self.melding)

    @classmethod
    def veld(cls, veld: str, code: str, melding: str) -> "DomainError":
        """The error for one field, with the field's code as the error's code."""
        return cls(code, melding, problemen=[FieldProblem(veld, code, melding)])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, melding={self.melding!r}, problemen={self.problemen!r})"


class Invalid(DomainError):
    """The input is wrong: every wrong field at once in `problemen`, each with its own message;
    `melding` is the general advice."""

    code = "ongeldige_gegevens"
    melding = "Verbeter de velden in `errors` en probeer opnieuw."


class NotFound(DomainError):
    """What the use case was asked about does not exist (or may not be seen: same answer)."""

    code = "niet_gevonden"
    melding = "Dit bestaat niet."


class Conflict(DomainError):
    """The request is valid but clashes with the current state (a duplicate, a newer version,
    a step that is no longer possible)."""

    code = "conflict"
    melding = "Dit kan niet meer in de huidige toestand."


class Forbidden(DomainError):
    """The person is known but may not do this."""

    code = "geen_toegang"
    melding = "Dit mag je niet doen."
