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
#: Shortest key accepted: HMAC-SHA256's own block of security (a short key can be guessed
#: by trying keys against a known client id).
MIN_KEY_BYTES = 32
MAKE_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"


def load_key(path: str | Path = KEY_FILE) -> bytes:
    """The secret: ``$LDJ_PSEUDONYM_KEY``, else the key file ``path`` (relative to the
    working directory; created if absent). A ValueError, one line each, for a key under
    :data:`MIN_KEY_BYTES` bytes and a key path that is not a file or cannot be read."""
    env = os.environ.get(ENV_VAR)
    if env:
        return check_key(env.encode("utf-8"), f"the environment variable {ENV_VAR}")
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if not path.is_file():
            raise ValueError(
                f"config key 'pseudonym_key_file': {path} is not a file (a folder?); give the "
                "path of a key file, which is created if absent"
            ) from None
        key = _read_key_file(path)
        return check_key(key.encode("utf-8"), f"the key file {path}")
    except OSError as err:
        raise ValueError(
            f"config key 'pseudonym_key_file': cannot create the key file {path}: {err.strerror}"
        ) from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key.encode("utf-8")


def _read_key_file(path: Path) -> str:
    """The key in ``path``, stripped; a ValueError when it is empty or cannot be read."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError) as err:
        why = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
        raise ValueError(f"pseudonym key file {path} cannot be read: {why}") from None
    if not key:
        raise ValueError(f"pseudonym key file {path} is empty")
    return key


def check_key(key: bytes, source: str) -> bytes:
    """``key`` when it has at least :data:`MIN_KEY_BYTES` bytes, else a ValueError saying
    how to make one (``source`` says where the key came from)."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"the pseudonym key from {source} has {len(key)} bytes; it needs at least "
            f"{MIN_KEY_BYTES}. Make one with {MAKE_KEY} and keep it (the same key gives the "
            "same pseudonyms on a rerun)"
        )
    return key


def key_fingerprint(key: bytes) -> str:
    """A short fingerprint of the key, never the key: an HMAC of a fixed text under the key
    (16 hex characters). Among derive's params, a changed key reruns what depends on it;
    it tells nothing about the key or the pseudonyms."""
    return hmac.new(key, b"ldj-analysis pseudonym key fingerprint", hashlib.sha256).hexdigest()[:16]


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
