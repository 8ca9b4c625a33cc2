"""The JSON API (v1, bearer tokens, CSRF-exempt) and its OpenAPI document.

May import: `service.web`, `service.parts`, `service.runtime`, `workflows`. Not `pages`.
"""
