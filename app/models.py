"""Imports every model so that Alembic and relationships see them all."""
from app.audit.models import AuditEvent  # noqa: F401
from app.auth.models import ApiToken, PasswordReset, User, UserSession  # noqa: F401
from app.comments.models import Amendment, AmendmentSupport, Comment  # noqa: F401
from app.documents.models import Document, Section, SectionRevision, Version, VersionSection  # noqa: F401
from app.endorsements.models import Endorsement, EndorsementDeadline, EndorsementReminder  # noqa: F401
from app.export.models import Export  # noqa: F401
from app.groups.models import Group, Invitation, Membership  # noqa: F401
from app.integrity.models import IntegrityProblem, IntegrityRun  # noqa: F401
from app.mail.models import OutboxMessage  # noqa: F401
from app.notifications.models import DocumentWatch, Notification, NotificationSetting  # noqa: F401
from app.organisations.models import Organisation, Representative  # noqa: F401
from app.roadmaps.models import ActionOwner, ActionUpdate, RoadmapAction, VersionAction  # noqa: F401
from app.tasks.models import TaskFailure, TaskRun  # noqa: F401
