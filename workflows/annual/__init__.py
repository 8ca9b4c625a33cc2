"""Annual requests: the data the agreement asks for each year (§ 8 b, c, d, § 9).

Holds the requests' calendar (when each opens, its due date and reminders), the figures
they deliver (Kennzahlen, year over year), and the handover started from a row of a
delivered § 8 b named list.

May import: the ground and store floors (`clock`, `errors`, `paths`, `legal_dates`, `store`,
`engine`, `forms`), `people`, `processes`, `agreements`, `mail`, `cases`.
"""
