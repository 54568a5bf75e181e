"""Binary COPY sends each ledger column as its own PostgreSQL type: the server refuses an int of
another width, so a column whose type has no mapping is refused by name before the COPY starts."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, SmallInteger, String, Table, Text

from scoring.close import LEDGER_COLUMNS, LEDGER_PERSON_COLUMNS, copy_types, wire_type


def test_every_ledger_column_has_its_wire_type():
    lines = dict(zip(LEDGER_COLUMNS, copy_types("ledger_line", LEDGER_COLUMNS), strict=True))
    assert lines["points"] == "int4" and lines["reason_zh"] == "text" and lines["person_id"] == "text"
    assert set(lines.values()) <= {"int4", "text"}  # what the ledger's columns are today
    assert copy_types("ledger_person", LEDGER_PERSON_COLUMNS) == ["text", "text", "text"]


def test_each_width_is_its_own_and_other_types_are_refused_by_name():
    t = Table("t", MetaData(), Column("big", BigInteger), Column("small", SmallInteger), Column("n", Integer),
              Column("s", String(4)), Column("txt", Text), Column("ok", Boolean))
    assert [wire_type(c.type, c.name) for c in list(t.c)[:5]] == ["int8", "int2", "int4", "text", "text"]
    with pytest.raises(TypeError, match=r"^t\.ok: binary COPY sends no Boolean"):
        wire_type(t.c.ok.type, "t.ok")
