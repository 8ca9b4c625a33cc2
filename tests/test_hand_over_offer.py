"""A task's page offers "Übergeben an" only when the group has someone to hand the task to."""
from __future__ import annotations

from tests.support.agreement_life import start


def test_hand_over_is_offered_to_colleagues_and_not_shown_to_someone_alone_in_the_group(as_user):
    sozialamt = as_user("lk.sozialamt")
    start(sozialamt, "handover_school_end")
    assert "Übergeben an" in sozialamt.text and '<option value="lk.sozialamt2">' in sozialamt.page.text

    lead = as_user("lk.kreisbeigeordnete")  # the only member of the Kreisbeigeordnete's group
    start(lead, "termination")
    assert "Kündigung vorbereiten" in lead.text and "Übergeben an" not in lead.text
