from lms.models.assignments import Exemption, TrackAssignment
from lms.models.audit import AuditEvent
from lms.models.calendar import CalendarFeed
from lms.models.certificates import Certificate
from lms.models.leaders import LeaderCriteria, LeaderNomination
from lms.models.mail import OutgoingMail
from lms.models.notices import Notice
from lms.models.organisation import Department, Membership, Organization, Position
from lms.models.people import User, full_name
from lms.models.privacy import DisclosureRequest
from lms.models.reminders import ExpiryWarning, ReminderLog, ReminderNow, ReminderNowCourse
from lms.models.reports import CandidateEntry, ReportRun
from lms.models.sessions import SessionRegistration, TrainingSession
from lms.models.year_end import FiscalYearClose

__all__ = [
    "AuditEvent",
    "CalendarFeed",
    "CandidateEntry",
    "Certificate",
    "Department",
    "DisclosureRequest",
    "Exemption",
    "FiscalYearClose",
    "LeaderCriteria",
    "LeaderNomination",
    "Membership",
    "Notice",
    "Organization",
    "OutgoingMail",
    "Position",
    "ExpiryWarning",
    "ReminderLog",
    "ReminderNow",
    "ReminderNowCourse",
    "ReportRun",
    "SessionRegistration",
    "TrackAssignment",
    "TrainingSession",
    "User",
    "full_name",
]
