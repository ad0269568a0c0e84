"""Client pseudonyms: a keyed hash (HMAC-SHA256, truncated hex) of the export's client_id.

The secret comes from the environment variable ``LDJ_PSEUDONYM_KEY`` or, when that is not
set, from a local key file (config ``pseudonym_key_file``, default ``.ldj_pseudonym_key``
in the working directory, git-ignored), created with :func:`secrets.token_hex` on first use.
Without the secret a pseudonym cannot be traced back to a client id; with the same secret,
reruns give the same pseudonyms.
Only the distinct ids are hashed, then mapped back, so long columns stay cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ENV_VAR = "LDJ_PSEUDONYM_KEY"
KEY_FILE = ".ldj_pseudonym_key"
#: Hex characters kept (64 bits): collisions among 10 million clients have odds ~3e-6 and
#: are checked for anyway.
DEFAULT_LENGTH = 16
_BATCH = 1 << 16  # ids hashed per batch


def load_key(path: str | Path = KEY_FILE) -> bytes:
    """The secret: ``$LDJ_PSEUDONYM_KEY``, else the key file ``path`` (relative to the
    working directory; created if absent)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env.encode("utf-8")
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise ValueError(f"pseudonym key file {path} is empty") from None
        return key.encode("utf-8")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key.encode("utf-8")


def hmac_digests(values: pa.Array, key: bytes, nbytes: int) -> bytes:
    """The first ``nbytes`` of HMAC-SHA256 of each (UTF-8) value, concatenated. The keyed
    state is made once; each value then costs a copy and two SHA-256 compressions."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    values = values.cast(pa.large_binary())
    parts = []
    for start in range(0, len(values), _BATCH):  # few Python objects alive at a time
        digests = []
        append = digests.append
        for value in values.slice(start, _BATCH).to_pylist():
            h = keyed.copy()
            h.update(value)
            append(h.digest()[:nbytes])
        parts.append(b"".join(digests))
    return b"".join(parts)


def _as_pseudonyms(joined: bytes, length: int) -> pa.Array:
    """Concatenated digests as ``length`` hex characters each; ValueError on a collision."""
    nbytes = (length + 1) // 2
    hexed = np.frombuffer(joined.hex().encode("ascii"), dtype=f"S{2 * nbytes}")
    out = pa.array(hexed, pa.binary(2 * nbytes)).cast(pa.string())
    if length != 2 * nbytes:
        out = pc.utf8_slice_codeunits(out, 0, length)
    distinct = (
        pd.Index(np.frombuffer(joined, dtype=np.uint64)).is_unique
        if length == 16
        else pc.count_distinct(out).as_py() == len(out)
    )
    if not distinct:
        raise ValueError(f"pseudonym collision among {len(out)} client ids; use a longer length")
    return out


def keyed_hashes(values: pa.Array, key: bytes, length: int = DEFAULT_LENGTH) -> pa.Array:
    """HMAC-SHA256 of each distinct, non-null UTF-8 value as ``length`` hex characters, the
    same as ``hmac.digest(key, value, "sha256").hex()[:length]``; raise ValueError when two
    values get the same pseudonym."""
    return _as_pseudonyms(hmac_digests(values, key, (length + 1) // 2), length)


def pseudonymise(ids: pd.Series, key: bytes, length: int = DEFAULT_LENGTH) -> pd.Series:
    """Map each id to its keyed hash (missing stays missing); hashes distinct ids only."""
    text = pa.array(ids.astype("str"), pa.large_string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    coded = text.dictionary_encode()
    hashed = keyed_hashes(coded.dictionary, key, length)
    return pd.Series(pd.array(hashed.take(coded.indices), dtype="str"), index=ids.index)
