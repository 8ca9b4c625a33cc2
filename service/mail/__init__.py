"""Mail over SMTP: sending the outbox (Flask-Mail), receiving replies to approval mails
(``koopflow mail-in``), and signing the approval links a mail carries.

May import: `service.runtime`, `service.config`, `workflows`. Not `pages`.
"""
