"""Where the shipped defaults are: ``policy.toml``, ``calendar.toml``, ``org.sample.yaml``.

One copy, in ``config/`` of the checkout. A wheel carries the same files as the package
``core.config`` (pyproject.toml maps ``config/`` there), so a plain install finds them beside
this module; a checkout or an editable install reads ``config/`` itself.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "config"
_CHECKOUT = Path(__file__).resolve().parent.parent / "config"


def default_file(name: str) -> Path:
    """The shipped default file ``name`` (e.g. ``policy.toml``)."""
    packaged = _PACKAGED / name
    return packaged if packaged.is_file() else _CHECKOUT / name
