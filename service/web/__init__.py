"""What every request passes: login and CSRF (local accounts, OIDC), error pages, template
filters, security headers, the input guard, keeping personal data out of logs, the
access log's masking, and the audit hook that writes the audit log (Protokoll).

May import: `service.runtime`, `service.config`, `workflows`. Not `pages`, `api` or `parts`.
"""
