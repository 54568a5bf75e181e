"""Every table of the application, imported in one place for Alembic and tests."""

from appeals.models import Appeal, AppealClock, AppealEvent
from core.accounts import Account, ApiToken
from core.db import Base
from core.heartbeat import JobRun
from core.org import OrgChange, OrgLoad, Person, Position, Unit, Window
from core.policyrecord import PolicyRecord
from core.policystore import PolicyVersion
from notifications.models import OutboxMessage
from scoring.models import Adjustment, LedgerLine, LedgerPerson, MonthClose, MonthOutcome, Praise, StarNomination
from states.models import Clock, Complaint, ComplaintEvent, ComplaintPhoto, ComplaintRating, FormNonce
from states.spotcheck_models import SpotCheck, SpotCheckPlan

__all__ = ["Account", "Adjustment", "ApiToken", "Appeal", "AppealClock", "AppealEvent", "Base", "Clock", "Complaint",
           "ComplaintEvent", "ComplaintPhoto", "ComplaintRating", "FormNonce", "JobRun", "LedgerLine", "LedgerPerson",
           "MonthClose",
           "MonthOutcome", "OrgChange", "OrgLoad", "OutboxMessage", "Person", "PolicyRecord", "PolicyVersion",
           "Position", "Praise", "SpotCheck", "SpotCheckPlan", "StarNomination", "Unit", "Window"]
