"""What a takeover approval approves: the Fachdienst's proposal from its review form (the
``handover_review`` fields decision, effective_date, vocational_participation, review_note),
read from the case's data. The headline — the date and the case number — carries no
personal data, so the approval mail and the page a mailed link opens may show it; the
details (whether vocational participation comes into question, the reviewer's note) only
the task page behind the login."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DECISIONS = {"confirm": "Übernahme bestätigen", "decline": "Übernahme ablehnen",
             "question": "Rückfrage an den Landkreis stellen"}


@dataclass(frozen=True)
class TakeoverProposal:
    case_number: str
    effective_date: date | None
    decision: str | None  # as the review form offers it, e.g. "Übernahme bestätigen"
    vocational_participation: bool | None
    review_note: str | None

    @property
    def headline(self) -> str:
        """'Übernahme zum 01.08.2027 im Vorgang LK-2027-0001'."""
        when = f" zum {self.effective_date:%d.%m.%Y}" if self.effective_date else ""
        return f"Übernahme{when} im Vorgang {self.case_number}"


def proposal_of(case_number: str, data: dict) -> TakeoverProposal:
    effective = data.get("effective_date")
    vocational = data.get("vocational_participation")
    decision = data.get("decision")
    return TakeoverProposal(
        case_number=case_number,
        effective_date=date.fromisoformat(effective) if isinstance(effective, str) and effective else None,
        decision=DECISIONS.get(decision, decision) if decision else None,
        vocational_participation=vocational if isinstance(vocational, bool) else None,
        review_note=(data.get("review_note") or "").strip() or None,
    )
