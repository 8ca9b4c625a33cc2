"""Form data of the school-end handover, as a caseworker would type it in."""

PERSON = {"last_name": "Mustermann", "first_name": "Jonas", "birth_date": "2008-05-14",
          "habitual_residence": "Lich"}

PREPARE_FORM = {
    "person.last_name": PERSON["last_name"],
    "person.first_name": PERSON["first_name"],
    "person.birth_date": "14.05.2008",
    "person.habitual_residence": PERSON["habitual_residence"],
    "school": "Förderschule am Rosenhang",
    "expected_school_end": "2027-07-31",
    "current_benefits": "Schulbegleitung, Wohnen im Internat",
    "prior_benefits.checked": "true",
    "prior_benefits.sgb_v": "true",
    "prior_benefits.psychkhg": "true",
    "prior_benefits.outcome": "Krankenkasse trägt die Therapie; PsychKHG-Hilfen nicht nötig.",
    "has_overall_plan": "true",
    "consent_on_file": "true",
    "note": "Eltern wünschen ein gemeinsames Gespräch.",
}

# § 4: which prior benefits of other agencies were checked
PRIOR_BENEFITS = {"checked": True, "sgb_v": True, "psychkhg": True,
                  "outcome": "Krankenkasse trägt die Therapie; PsychKHG-Hilfen nicht nötig."}

PREPARE_JSON = {
    "person": PERSON,
    "school": "Förderschule am Rosenhang",
    "expected_school_end": "2027-07-31",
    "current_benefits": "Schulbegleitung, Wohnen im Internat",
    "prior_benefits": PRIOR_BENEFITS,
    "has_overall_plan": True,
    "consent_on_file": True,
}


def question(text: str) -> dict:
    return {"decision": "question", "question": text}


CONFIRM_JSON = {"decision": "confirm", "effective_date": "2027-08-01", "vocational_participation": True}
PLANNING_JSON = {"procedure_date": "2027-05-10", "outcome": "Eingangsverfahren in der WfbM ab 01.08.2027."}
CLOSE_LOCAL_JSON = {"files_transferred_on": "2027-07-15", "benefits_ended_on": "2027-07-31"}
CLOSE_SUPRA_JSON = {"benefit_notice_issued": True, "benefit_notice_date": "2027-07-20"}

CARE = {"person": PERSON, "care_grade": 4,
        "care_need": "Pflege überwiegt seit dem Schlaganfall.", "expected_switch": "2027-06-01",
        "current_benefits": "Assistenz im eigenen Wohnraum", "consent_on_file": True,
        "prior_benefits": {"checked": True, "sgb_xi": True, "outcome": "Pflegekasse: Pflegegrad 4 bewilligt."}}
