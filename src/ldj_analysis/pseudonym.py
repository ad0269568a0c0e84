"""Client pseudonyms: a keyed hash (HMAC-SHA256, truncated hex) of the export's client_id.

The secret comes from the environment variable ``LDJ_PSEUDONYM_KEY`` or, when that is not
set, from a local key file (config ``pseudonym_key_file``, default ``.ldj_pseudonym_key``
in the working directory, git-ignored), created with :func:`secrets.token_hex` on first use.
Without the secret a pseudonym cannot be traced back to a client id; with the same secret,
reruns give the same pseudonyms.
Only the distinct ids are hashed, then mapped back, so long columns stay cheap.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

ENV_VAR = "LDJ_PSEUDONYM_KEY"
KEY_FILE = ".ldj_pseudonym_key"
#: Hex characters kept (64 bits): collisions among 10 million clients have odds ~3e-6 and
#: are checked for anyway.
DEFAULT_LENGTH = 16


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


def pseudonymise(ids: pd.Series, key: bytes, length: int = DEFAULT_LENGTH) -> pd.Series:
    """Map each id to its keyed hash (missing stays missing); hashes distinct ids only."""
    uniques = pd.unique(ids.dropna())
    hashed = [hmac.digest(key, str(u).encode("utf-8"), "sha256").hex()[:length] for u in uniques]
    if len(set(hashed)) != len(hashed):
        raise ValueError(
            f"pseudonym collision among {len(uniques)} client ids; use a longer length"
        )
    mapping = pd.Series(hashed, index=uniques, dtype="str")
    return ids.map(mapping).astype("str")
