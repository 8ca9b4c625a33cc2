"""The pages: one module per blueprint, named as its URL (``pages/figures`` serves
``/figures``, Kennzahlen). Each handler parses the request, calls one function of
`workflows`, and renders.

May import: `service.web`, `service.parts`, `service.mail`, `service.runtime`, `workflows`.
Pages do not import each other.
"""
