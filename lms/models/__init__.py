from .assignments import TrackAssignment
from .audit import AuditEvent
from .organisation import Department, Membership, Organization, Position
from .people import User

__all__ = [
    "AuditEvent",
    "Department",
    "Membership",
    "Organization",
    "Position",
    "TrackAssignment",
    "User",
]
