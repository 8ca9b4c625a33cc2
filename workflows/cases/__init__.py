"""Cases: running process instances (Vorgänge) and what hangs on them.

Holds starting cases and reading them, the case row ↔ running instance (syncing human-task
rows after each command), the Posteingang queries, uploaded documents, approvals and
reading mailed replies to them, retention (deleting personal data of long-closed cases),
and opening a case the calendar asks for at most once (scheduled cases).

May import: the ground and store floors (`clock`, `errors`, `paths`, `legal_dates`, `store`,
`engine`, `forms`), `people`, `processes`, `agreements`, `mail`.
"""
