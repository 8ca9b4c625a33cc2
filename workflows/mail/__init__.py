"""Mail: who is told what, written to the outbox in the command's transaction.

Holds composing mails from ``templates/`` (no personal data in a body), the notifications
of new tasks and notices, the daily digest, sending the outbox with back-off, and the
queries of the Postausgang page.

May import: the ground and store floors (`clock`, `errors`, `paths`, `legal_dates`, `store`,
`engine`, `forms`), `people`, `processes`.
"""
