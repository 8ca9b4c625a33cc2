"""Bodies of the agreement: the Kooperationskonferenz (§ 5), the regional planning
conferences (Anlage 2) and the Qualitätszirkel (§ 6).

Holds their calendar (meetings per year, whose turn it is to manage) and the invitations
with an .ics entry to members and external contacts.

May import: the ground and store floors (`clock`, `errors`, `paths`, `legal_dates`, `store`,
`engine`, `forms`), `people`, `processes`, `agreements`, `mail`, `cases`.
"""
