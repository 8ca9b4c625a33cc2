"""The `deadline` click group: first line is the ISO date alone, then German reasons."""
from __future__ import annotations

import sys
import types

import pytest
from click.testing import CliRunner

from service.cli.deadline import deadline


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(deadline, list(args))

    return invoke


def test_termination_received_1_july_prints_end_of_next_year_first(run):
    result = run("termination", "--received", "2025-07-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2026-12-31"
    assert lines[1].startswith("Zugang am 01.07.2025 nach dem 30.06.2025")
    assert len(lines) == 2  # 30.06.2026 is a Tuesday: no warning


def test_termination_warns_when_30_june_is_on_a_weekend(run):
    result = run("termination", "--received", "2024-06-30")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2024-12-31"
    assert any(line.startswith("Warnung:") and "Sonntag" in line for line in lines[1:])


def test_termination_rejects_bad_date_in_german(run):
    result = run("termination", "--received", "01.07.2025")
    assert result.exit_code == 2
    assert "Datum im Format JJJJ-MM-TT angeben" in result.output


def test_retirement_age_prints_date_and_reason(run):
    result = run("retirement-age", "--born", "1958-03-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2024-02-29"
    assert "66 Jahre" in lines[1]


def test_retirement_age_override_wins(run):
    result = run("retirement-age", "--born", "1953-05-10", "--override", "2018-05-09")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2018-05-09"
    assert "§ 235 Abs. 2 S. 3" in lines[1]


def test_retirement_age_rejects_impossible_date(run):
    result = run("retirement-age", "--born", "1958-02-30")
    assert result.exit_code == 2
    assert "Datum im Format JJJJ-MM-TT angeben" in result.output


@pytest.mark.parametrize("rule, expected", [("shift", "2024-04-02"), ("strict", "2024-03-31")])
def test_delivery_with_explicit_rule(run, rule, expected):
    result = run("delivery", "--due", "2024-03-31", "--rule", rule)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == expected
    assert rule in lines[1]


def test_delivery_needs_exactly_one_of_agreement_or_rule(run):
    assert run("delivery", "--due", "2024-03-31").exit_code == 2
    both = run("delivery", "--due", "2024-03-31", "--rule", "shift", "--agreement", "x")
    assert both.exit_code == 2


def test_delivery_reads_rule_and_subdivision_from_agreement_loader(run, monkeypatch):
    fake = types.ModuleType("workflows.agreements.files")
    fake.load_agreement = lambda agreement_id: types.SimpleNamespace(
        delivery_deadline_rule="strict", holiday_subdivision="HE")
    monkeypatch.setitem(sys.modules, "workflows.agreements.files", fake)
    result = run("delivery", "--due", "2024-03-31", "--agreement", "some-agreement")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2024-03-31"


def test_delivery_for_giessen_agreement_shifts_easter_sunday(run):
    # Needs the real workflows.agreements.files.load_agreement (written elsewhere).
    result = run("delivery", "--due", "2024-03-31", "--agreement", "landkreis-giessen")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2024-04-02"
    assert "shift" in lines[1] and "Ostermontag" in lines[1]
