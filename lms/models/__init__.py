from .assignments import TrackAssignment
from .audit import AuditEvent
from .organisation import Department, Membership, Organization, Position
from .people import User, full_name
from .reports import (
    CandidateEntry,
    LeaderCriteria,
    LeaderNomination,
    Notice,
    ReminderLog,
    ReportRun,
)

__all__ = [
    "AuditEvent",
    "CandidateEntry",
    "Department",
    "LeaderCriteria",
    "LeaderNomination",
    "Membership",
    "Notice",
    "Organization",
    "Position",
    "ReminderLog",
    "ReportRun",
    "TrackAssignment",
    "User",
    "full_name",
]
