"""What completing certain tasks does to the agreement itself (Kündigung, Anpassung).

A user task names its effect in the property ``agreementEffect``; the effect runs inside the
task's command, before the instance moves on, sees the case's data with the task's answers,
may refuse with field messages (ValidationFailed) and returns data the process continues with
(e.g. the end date its timer waits for).
"""
from __future__ import annotations

from workflows.agreements import amendment, termination
from workflows.processes.properties import AGREEMENT_EFFECT

EFFECTS = {
    "terminate": lambda s, c, case, data, actor_id: termination.terminate(s, c, case, data),
    "withdraw_termination": lambda s, c, case, data, actor_id: termination.withdraw(s, c, case, data),
    "propose_amendment": amendment.propose,
    "amend": amendment.amend,
}


def apply_effect(session, clock, case, task_info: dict, case_data: dict, answers: dict, actor_id: int | None) -> dict:
    """Run the task's effect, if it names one; returns the data to add to the answers."""
    name = task_info.get("properties", {}).get(AGREEMENT_EFFECT.name)
    if not name:
        return {}
    return EFFECTS[name](session, clock, case, {**case_data, **answers}, actor_id)
