"""The ``koopflow`` command (``commands.main``): schema, demo data, users, tokens, the
worker, mail-in, and the legal date calculator (``deadline``).

May import: anything in `service` and `workflows`.
"""
