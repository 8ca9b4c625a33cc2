"""Agreement data - the files at start-up and an Anpassung typed by a lead - are read within
limits (size, depth, no aliases: no YAML bomb, no RecursionError) and every value the worker
later uses is checked at the door, so a bad value never breaks a later round."""
from __future__ import annotations

import copy

import pytest
import yaml

from tests.support.agreement_life import AGREEMENT, at, complete, start
from workflows.agreements.amendment import parse_agreement_text
from workflows.agreements.files import load_agreement, read_agreement_file
from workflows.errors import DefinitionError

# 9 levels of 9 aliases: a few hundred bytes that expand to 9**9 strings if aliases are followed
BOMB = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))


def file_data() -> dict:
    return copy.deepcopy(load_agreement(AGREEMENT).data)


def typed(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def propose_text(browser, text: str) -> None:
    task_id = start(browser, "amendment")
    complete(browser, task_id, {"summary": "x", "effective_on": "2027-03-01", "changes_text": "false",
                                "agreement_data": text}, status=422)


def changed(change) -> str:
    data = file_data()
    change(data)
    return typed(data)


@pytest.mark.parametrize("text, message", [
    (BOMB, "Verweise (*Anker) sind in Vereinbarungsdaten nicht erlaubt."),
    ("x: " + "[" * 5000 + "]" * 5000, "tiefer als 20 Ebenen verschachtelt"),
    ("x:\n" + "".join("  " * depth + f"k{depth}:\n" for depth in range(1, 200)), "tiefer als 20 Ebenen"),
    ("- " * 3000 + "x", "tiefer als 20 Ebenen"),
    ("x: '" + "y" * 300_000 + "'", "größer als 256 KB"),
])
def test_yaml_bombs_deep_nesting_and_huge_texts_are_refused_unread(text, message):
    data, error = parse_agreement_text(text, AGREEMENT)
    assert data is None and message in error


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(holiday_subdivision="XX"), "holiday_subdivision: XX ist kein deutsches Bundesland"),
    (lambda d: d["annual_requests"][0].update(opens="19-39"), "annual_requests/0/opens: ist kein Tag"),
    (lambda d: d["annual_requests"][0].update(due="02-29"), "annual_requests/0/due: ist kein Tag"),
    (lambda d: d["conferences"][0].update(opens=["04-31"]), "conferences/0/opens/0: ist kein Tag"),
    (lambda d: d["conferences"][0].update(title="Planung\r\nBcc: alle@example.org"),
     "conferences/0/title: darf keinen Zeilenumbruch"),
    (lambda d: d["annual_requests"][0].update(title="Zeile\neins"), "annual_requests/0/title: darf keinen"),
])
def test_values_the_worker_could_not_use_are_refused_at_the_door(change, message):
    data, error = parse_agreement_text(changed(change), AGREEMENT)
    assert data is None and message in error


def test_the_lead_sees_the_refusal_next_to_the_field(kf, as_user):
    at(kf, 2027, 2, 1)
    lead = as_user("lk.kreisbeigeordnete")
    propose_text(lead, BOMB)
    assert "Verweise (*Anker) sind in Vereinbarungsdaten nicht erlaubt." in lead.text
    propose_text(lead, changed(lambda d: d.update(holiday_subdivision="XX")))
    assert "XX ist kein deutsches Bundesland" in lead.text


def test_an_agreement_file_with_such_a_value_stops_the_start(tmp_path):
    path = tmp_path / f"{AGREEMENT}.yaml"
    path.write_text(changed(lambda d: d.update(holiday_subdivision="XX")), encoding="utf-8")
    with pytest.raises(DefinitionError, match=rf"{AGREEMENT}\.yaml, holiday_subdivision: XX"):
        read_agreement_file(path)
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(DefinitionError, match="Verweise"):
        read_agreement_file(path)
