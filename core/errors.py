"""The error tree: every refusal the application gives a person.

    JianduError                 a request we refuse, with a one-line reason (exit 2, HTTP 4xx)
    ├── InvalidInput            malformed or unknown input: a field, a time, a file (422)
    │   ├── OrgFileError        the organisation file at a given line
    │   ├── PolicyError         a policy file or draft (core/policy.py), the key at fault
    │   ├── CalendarError       the calendar file or a calendar's name (core/calendar.py)
    │   └── FactsError          a month's facts as JSON (scoring/facts_json.py), the field at fault
    ├── NotFound                an unknown complaint, window or person (404)
    ├── Refused                 a transition the state or the actor does not allow (409)
    ├── Conflict                someone else changed it first (409)
    ├── Forbidden               not allowed for this role (403)
    └── Unavailable             a tool the server lacks or that failed, e.g. Chromium for a PDF (503)

The CLI maps all of them to exit code 2; the web layer maps them to status codes.
"""

from __future__ import annotations


class JianduError(Exception):
    """A refused request. ``str(err)`` is the one line a person reads."""

    http_status = 400


class InvalidInput(JianduError):
    """``field``: the name of the field at fault, when there is one (the API answers it)."""

    http_status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class OrgFileError(InvalidInput):
    pass


class PolicyError(InvalidInput):
    """The policy file cannot be used; the message names the key at fault."""


class CalendarError(InvalidInput):
    """The calendar file or name cannot be used; the message names the key at fault."""


class FactsError(InvalidInput):
    """The facts cannot be scored; the message names the field at fault."""


class NotFound(JianduError):
    http_status = 404


class Refused(JianduError):
    """A transition refused: names the current state and the events that are allowed."""

    http_status = 409

    def __init__(self, message: str, state: str | None = None, allowed: list[str] | None = None):
        super().__init__(message)
        self.state = state
        self.allowed = list(allowed or [])


class Conflict(JianduError):
    http_status = 409


class Forbidden(JianduError):
    http_status = 403


class Unavailable(JianduError):
    http_status = 503
