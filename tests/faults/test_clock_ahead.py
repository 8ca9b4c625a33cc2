"""A clock that ran ahead: what it wrote lies in the future once the clock is fixed. The worker
warns (log, and a function a health endpoint can call) and `koopflow mail redate` lets the
waiting mails go out now instead of at that future time."""
from __future__ import annotations

import logging

from click.testing import CliRunner

from service.cli.commands import main
from tests.support.flows import offered_handover
from tests.support.smtp import transport_to
from workflows.mail.clock_skew import redate_pending_mails, times_ahead
from workflows.mail.sending import send_due
from workflows.worker import warn_about_times_ahead


def test_times_written_by_a_clock_ahead_are_reported_and_mails_can_be_redated(app, kf, clock, smtp, caplog):
    clock.advance(days=3)  # the clock runs three days ahead …
    offered_handover(kf)
    clock.advance(days=-3)  # … and is fixed
    assert send_due(kf.db, clock, transport_to(app, smtp.port)).sent == 0  # the mails wait for that future
    found = {item.what: item.rows for item in times_ahead(kf.db, clock)}
    assert found["mails written"] >= 2 and found["cases changed"] == 1
    with caplog.at_level(logging.WARNING, logger="workflows.worker"):
        warn_about_times_ahead(kf.db, clock)
    assert any("lie in the future of this clock" in r.getMessage() for r in caplog.records)

    assert redate_pending_mails(kf.db, clock) == found["mails written"]
    assert send_due(kf.db, clock, transport_to(app, smtp.port)).sent == found["mails written"]
    assert "mails written" not in {item.what for item in times_ahead(kf.db, clock)}


def test_the_operator_command_redates_the_waiting_mails(kf, settings):
    offered_handover(kf)  # the tests' clock stands in 2027: the future of the machine's clock
    env = {"KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": settings.secret_key}
    result = CliRunner().invoke(main, ["mail", "redate"], env=env)
    assert result.exit_code == 0, result.output
    assert "In der Zukunft:" in result.output and "Neu datiert: " in result.output
    assert "Neu datiert: 0 Mails" not in result.output
