"""A throwaway PostgreSQL server for the tests: a cluster in a temp dir on a free localhost
port, password authentication (scram-sha-256), stopped and removed afterwards. As root
(CI), initdb and postgres run as the ``postgres`` user, which Debian's package creates."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def pg_bindir() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian layout), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    user: str
    password: str
    as_user: str | None  # run the server as this OS user (root cannot)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def uri(self, database: str = "ldj", schema: str | None = None) -> str:
        uri = f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"
        return uri + (f"?schema={schema}" if schema else "")

    def start(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop", check=False
        )

    def psql(self, sql: str, database: str = "ldj") -> str:
        env = {**os.environ, "PGPASSWORD": self.password}
        out = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                self.uri(database),
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return out.stdout.strip()


def start_server() -> PgServer:
    """initdb + start; the caller stops it and removes ``root``."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    as_user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="ldj-pg-"))
    password = "pw-" + secrets.token_hex(12)
    server = PgServer(bindir, root, _free_port(), "ldj_analyst", password, as_user)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n")
    if as_user:
        shutil.chown(root, as_user)
        shutil.chown(pwfile, as_user)
    server._run(
        str(bindir / "initdb"),
        "-D",
        str(server.data),
        "-U",
        server.user,
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    pwfile.unlink()
    for attempt in range(3):
        try:
            server.start()
            break
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise
            server.port = _free_port()
            time.sleep(0.5)
    server.psql("CREATE DATABASE ldj", database="postgres")
    return server
