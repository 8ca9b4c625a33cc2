"""Process change proposals: a changed diagram (and forms) of one process, its change note, the consents.

A proposal is checked like a diagram at start-up before it is stored; reviewers of every
agreement that runs the process comment on its elements (review comments, by process key);
the leads the agreement data names (``process_changes.consent``) consent; on the last consent
it becomes a new version of the process (``definition_id``), in effect from ``effective_on``.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from workflows.store.db import Base, UtcDateTime

OPEN, ADOPTED, WITHDRAWN = "open", "adopted", "withdrawn"
STATUS_LABELS = {OPEN: "zur Zustimmung offen", ADOPTED: "angenommen", WITHDRAWN: "zurückgezogen"}


class ProcessProposal(Base):
    __tablename__ = "process_proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    base_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # the forms it changes, {file name: JSON Schema or UI schema}; the others are the base version's
    forms: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    change_note: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    effective_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    # [{"agreement": id, "role": lane role, "user_id": id, "name": display name, "at": iso}]
    consents: Mapped[list] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"))  # once adopted

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
