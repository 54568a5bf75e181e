"""Every table of the application, imported in one place for Alembic and tests."""

from core.db import Base
from core.org import OrgLoad, Person, Position, Unit, Window
from notifications.models import OutboxMessage
from scoring.models import Adjustment, LedgerLine, MonthClose, MonthOutcome, Praise, StarNomination
from states.models import Clock, Complaint, ComplaintEvent

__all__ = ["Adjustment", "LedgerLine", "MonthClose", "Base", "Clock", "Complaint", "ComplaintEvent", "MonthOutcome", "OrgLoad", "OutboxMessage", "Person",
           "Position", "Praise", "StarNomination", "Unit", "Window"]
