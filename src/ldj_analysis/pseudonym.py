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
import os
import secrets
import struct
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ENV_VAR = "LDJ_PSEUDONYM_KEY"
KEY_FILE = ".ldj_pseudonym_key"
#: Hex characters kept (64 bits): collisions among 10 million clients have odds ~3e-6 and
#: are checked for anyway.
DEFAULT_LENGTH = 16
_BLOCK = 64  # SHA-256 block size in bytes
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


def _hmac_states(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states after HMAC's inner and outer key blocks (RFC 2104), computed once so
    that each id costs two compressions instead of four."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def hmac_digests(values: pa.Array, key: bytes, nbytes: int) -> bytes:
    """The first ``nbytes`` of HMAC-SHA256 of each (UTF-8) value, concatenated."""
    inner, outer = _hmac_states(key)
    new_inner, new_outer = inner.copy, outer.copy
    values = values.cast(pa.large_binary())
    parts = []
    for start in range(0, len(values), _BATCH):  # few Python objects alive at a time
        digests = []
        append = digests.append
        for value in values.slice(start, _BATCH).to_pylist():
            h = new_inner()
            h.update(value)
            o = new_outer()
            o.update(h.digest())
            append(o.digest()[:nbytes])
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


class HashingProcess:
    """:func:`keyed_hashes` in a child process (``python -m ldj_analysis.pseudonym``), so
    that the hashing, which holds the GIL, does not stall a database read in this process.
    Key and ids pass through a pipe: never a file, the command line or the environment."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ldj_analysis.pseudonym"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._pool = ThreadPoolExecutor(1)

    def submit(self, values: pa.Array, key: bytes, length: int = DEFAULT_LENGTH) -> Future:
        """Start hashing ``values`` (once per process); the Future gives keyed_hashes."""
        return self._pool.submit(self._run, values, key, length)

    def _run(self, values: pa.Array, key: bytes, length: int) -> pa.Array:
        nbytes = (length + 1) // 2
        sink = pa.BufferOutputStream()
        batch = pa.record_batch([values.cast(pa.large_binary())], names=["id"])
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        header = struct.pack("<II", len(key), nbytes) + key
        # communicate() reads the child's stdout and stderr side by side: no pipe fills up
        joined, error = self._proc.communicate(header + sink.getvalue().to_pybytes())
        if self._proc.returncode != 0 or len(joined) != len(values) * nbytes:
            message = error.decode("utf-8", "replace").strip()[-2000:]
            raise RuntimeError(f"the pseudonym hashing process failed: {message}")
        return _as_pseudonyms(joined, length)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._pool.shutdown()

    def __enter__(self) -> HashingProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve() -> None:
    """The child of :class:`HashingProcess`: key and ids from stdin, digests to stdout."""
    data = memoryview(sys.stdin.buffer.read())
    key_length, nbytes = struct.unpack_from("<II", data)
    key = bytes(data[8 : 8 + key_length])
    ids = pa.ipc.open_stream(pa.py_buffer(data[8 + key_length :])).read_all().column(0)
    sys.stdout.buffer.write(hmac_digests(ids.combine_chunks(), key, nbytes))


def pseudonymise(ids: pd.Series, key: bytes, length: int = DEFAULT_LENGTH) -> pd.Series:
    """Map each id to its keyed hash (missing stays missing); hashes distinct ids only."""
    coded = pa.array(ids.astype("str"), pa.large_string()).dictionary_encode()
    hashed = keyed_hashes(coded.dictionary, key, length)
    return pd.Series(pd.array(hashed.take(coded.indices), dtype="str"), index=ids.index)


if __name__ == "__main__":
    _serve()
