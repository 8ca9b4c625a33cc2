"""Every model, imported once so the metadata is complete (for Alembic and tests)."""
from workflows.store.absences import Absence
from workflows.store.agreement_versions import AgreementVersion
from workflows.store.annual import AnnualCase, AnnualFigure
from workflows.store.approvals import ApprovalRequest
from workflows.store.audit_log import AuditLogEntry
from workflows.store.case_notes import CaseNote
from workflows.store.case_roles import CaseRole
from workflows.store.case_search import CaseSearchTerm
from workflows.store.cases import Case, CaseNumberCounter
from workflows.store.cohort import CohortEntry, CohortNotice
from workflows.store.comments import ReviewComment
from workflows.store.conferences import ConferenceCase
from workflows.store.contacts import Contact
from workflows.store.db import Base
from workflows.store.definitions import DefinitionSpec, ProcessDefinition
from workflows.store.documents import Document
from workflows.store.drafts import TaskDraft
from workflows.store.follow_ups import CaseFollowUp, TaskFollowUp
from workflows.store.history import HistoryEvent
from workflows.store.incidents import Incident
from workflows.store.logins import LoginFailure
from workflows.store.organisation import Agency, Agreement, AgreementRole, OrgUnit
from workflows.store.outbox import OutboxMail
from workflows.store.process_proposals import ProcessProposal
from workflows.store.saved_filters import SavedFilter
from workflows.store.tasks import HumanTask, HumanTaskGroup
from workflows.store.users import ApiToken, Membership, User
from workflows.store.worker_rounds import WorkerRound

__all__ = [
    "Absence", "AgreementVersion", "AnnualCase", "AnnualFigure", "ApprovalRequest", "HistoryEvent", "AuditLogEntry", "Agency", "Agreement",
    "AgreementRole", "ApiToken", "Base", "Case", "CaseFollowUp", "CaseNote", "CaseNumberCounter", "CaseRole", "CaseSearchTerm", "CohortEntry", "CohortNotice", "ConferenceCase", "Contact", "DefinitionSpec", "Document",
    "HumanTask", "HumanTaskGroup", "Incident", "LoginFailure", "Membership", "OrgUnit", "OutboxMail",
    "ProcessDefinition", "ProcessProposal", "ReviewComment", "SavedFilter", "TaskDraft", "TaskFollowUp", "User", "WorkerRound",
]
