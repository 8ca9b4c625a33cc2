"""People: who someone is and what they may see.

Holds accounts (local argon2 logins, API tokens, demo users), OIDC accounts, the login
guard (lockout after repeated failures), access (who may see a case and work on a task)
and the audit log (Protokoll: who read or changed what, when, from where).

May import: the ground and store floors only (`clock`, `errors`, `store`).
"""
