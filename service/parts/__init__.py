"""Parts that several pages share: the Kennzahlen chart (SVG), the panels a task page shows
beside its form, the case record (Verlauf, documents) and reading uploaded files.

May import: `service.web`, `service.runtime`, `workflows`. Not `pages`.
"""
