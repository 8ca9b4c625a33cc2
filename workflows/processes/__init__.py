"""Processes: the diagrams and forms as definitions, and what reviewers see of them.

Holds reading and checking diagrams and forms (definitions and their versions by content
hash; the properties a diagram may carry, in properties.py), the Prozesse catalogue
(definitions, versions, elements, cases per version), comparing and diffing two versions,
review comments on elements, and the functions a diagram may call.

May import: the ground and store floors (`clock`, `errors`, `legal_dates`, `store`,
`engine`, `forms`) and `people`.
"""
