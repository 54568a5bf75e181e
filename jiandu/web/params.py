"""Path parameters shared by the routes: an id must fit the database's integer (else 422, not 500)."""

from typing import Annotated

from fastapi import Path

DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
