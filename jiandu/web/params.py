"""What every route checks of its input: an id must fit the database's integer, and no field holds
a control character (else 422 naming it, not a 500)."""

from typing import Annotated, Any

from fastapi import Path, Request

from core.validation import check_printable

DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def printable_fields(request: Request) -> None:
    """The web's one input check, run before every route: each text of the path, the query, a form
    or a JSON body with a control character (a NUL above all: PostgreSQL refuses it) is refused,
    the field named. Forms and bodies are read once: the route gets the same parsed copy."""
    fields: list[tuple[str, Any]] = [*request.path_params.items(), *request.query_params.multi_items()]
    kind = request.headers.get("content-type", "")
    if request.method in ("POST", "PUT", "PATCH"):
        if kind.startswith(FORMS):
            fields += (await request.form()).multi_items()  # files are not text: skipped below
        elif kind.startswith("application/json"):
            try:
                fields += _texts(await request.json())
            except (ValueError, RecursionError):
                pass  # not JSON: the route's own validation answers it
    for field, value in fields:
        check_printable("body", field)  # a key is the sender's text too, and replies name it
        if isinstance(value, str):
            check_printable(field, value)


def _texts(body: Any) -> list[tuple[str, Any]]:
    """Every value of a JSON body with its dotted place (``items.0.note``); no recursion, so a
    deeply nested body costs no stack."""
    out, todo = [], [("", body)]
    while todo:
        where, value = todo.pop()
        if isinstance(value, dict | list):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            todo += [(f"{where}.{key}" if where else str(key), item) for key, item in items]
        else:
            out.append((where or "body", value))
    return out
