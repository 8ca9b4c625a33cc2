"""How a case's instance is kept in ``cases.state``: SpiffWorkflow's JSON, zlib-compressed.

``pack`` is the one way a state is written, ``unpack`` the one way it is read back into the
JSON SpiffWorkflow's serializer writes and reads (docs/decisions/0012). No query reads into
the column, so it need not be readable JSON: a finished handover's 40 KiB of JSON are 6 KiB
compressed, for a fraction of a millisecond each way.

A state written before migration 0027 is plain JSON (it begins with ``{``) and is read as it
is; a compressed one begins with a zlib header, which JSON never does. Anything else (an
empty state after retention, a damaged one) is handed on unchanged for the reader to refuse.
"""
from __future__ import annotations

import zlib

LEVEL = 1  # 40.2 → 6.3 KiB for a finished handover; higher levels save ~10 % more for 2–3 × the time
# zlib's first two bytes with the default window (0x78), one per compression level class
ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


def pack(text: bytes) -> bytes:
    """The bytes a case stores for this JSON."""
    return zlib.compress(text, LEVEL)


def is_packed(stored: bytes) -> bool:
    return stored[:2] in ZLIB_HEADERS


def unpack(stored: bytes) -> bytes:
    """The JSON of a stored state, compressed or (from before 0027) plain."""
    return zlib.decompress(stored) if is_packed(stored) else stored
