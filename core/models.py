"""Every table of the application, imported in one place for Alembic and tests."""

from core.db import Base
from core.org import OrgLoad, Person, Position, Unit, Window
from states.models import Clock, Complaint, ComplaintEvent

__all__ = ["Base", "Clock", "Complaint", "ComplaintEvent", "OrgLoad", "Person", "Position",
           "Unit", "Window"]
