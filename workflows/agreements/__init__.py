"""Agreements: the cooperation agreement as data, and its own life cycle.

Holds reading and checking agreement files (against ``agreement.schema.json``), the
agreement versions (Fassungen) and which one is in effect, the agreement page's queries,
Anpassung (amendment) and Kündigung (termination), what completing a task does to the
agreement (effects), the partner roles narrowed per case, and the contacts directory.

May import: the ground and store floors (`clock`, `errors`, `paths`, `legal_dates`, `store`,
`engine`, `forms`), `people`, `processes`.
"""
