"""The shared shapes every agency and every kind of process plugs into, one module per concern."""

from .audit import AuditEntry, AuditTrailIsAppendOnly
from .cases import (
    Case,
    CaseGroupObjectPermission,
    CaseReferenceCounter,
    CaseUserObjectPermission,
    ChildIdentity,
    ChildIdentityGroupObjectPermission,
    ChildIdentityUserObjectPermission,
    Pause,
    Process,
    ProcessDetails,
    ProcessGroupObjectPermission,
    ProcessUserObjectPermission,
    Relationship,
    StageChange,
)
from .clock import ClosureDay, Milestone, MilestoneAdjustment, ProcessEvent, RuleChoice, TimescaleRule
from .notifications import CalendarFeed, Notification, ReminderSent
from .organisations import Membership, Organisation, Partnership
from .summaries import PdfSummary
from .system import WorkerHeartbeat

__all__ = [
    "PdfSummary",
    "AuditEntry",
    "AuditTrailIsAppendOnly",
    "CalendarFeed",
    "Notification",
    "ReminderSent",
    "ClosureDay",
    "Milestone",
    "MilestoneAdjustment",
    "ProcessEvent",
    "RuleChoice",
    "TimescaleRule",
    "Case",
    "CaseGroupObjectPermission",
    "CaseReferenceCounter",
    "CaseUserObjectPermission",
    "ChildIdentity",
    "ChildIdentityGroupObjectPermission",
    "ChildIdentityUserObjectPermission",
    "Membership",
    "Organisation",
    "Partnership",
    "Pause",
    "Process",
    "ProcessDetails",
    "ProcessGroupObjectPermission",
    "ProcessUserObjectPermission",
    "Relationship",
    "StageChange",
    "WorkerHeartbeat",
]
