"""An LDJ database as the export's source: the ``export_uri`` config key, connections to
PostgreSQL (ADBC, libpq) and DuckDB, and clear errors that name the source, never a password.

Passwords never come from the config: a URI holding one is refused with a message saying
where it belongs (``PGPASSWORD``, ``~/.pgpass`` or a libpq service file), so no config,
Snakemake metadata, log, provenance file or report can ever hold it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ldj_analysis.vocabulary import EXPORT_TABLES


class SourceError(ValueError):
    """The database source cannot be read as an LDJ export; names the source (without
    password) and, where it applies, the table and column."""


_PASSWORD_HELP = (
    "put the password in the environment variable PGPASSWORD, in ~/.pgpass "
    "(host:port:database:user:password, mode 0600) or in a libpq service file "
    "(PGSERVICEFILE), never in the config"
)


@dataclass(frozen=True)
class Source:
    """A parsed ``export_uri``: engine, where it is, the schema and the table names."""

    engine: str  # "postgresql" | "duckdb"
    uri: str  # as given (holds no password); shown in messages and provenance
    connect_uri: str = ""  # PostgreSQL: the URI libpq is given (without the schema parameter)
    path: str = ""  # DuckDB: the database file
    schema: str | None = None
    tables: Mapping[str, str] = field(default_factory=dict)

    def table(self, name: str) -> str:
        """The quoted, schema-qualified name of contract table ``name`` in the database."""
        real = self.tables.get(name, name)
        return (
            f"{quote_ident(self.schema)}.{quote_ident(real)}" if self.schema else quote_ident(real)
        )

    def label(self, name: str) -> str:
        """Table ``name`` as the site calls it (for messages)."""
        real = self.tables.get(name, name)
        shown = f"{self.schema}.{real}" if self.schema else real
        return shown if real == name else f"{shown} (contract table {name})"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def parse_source(
    uri: str, schema: str | None = None, tables: Mapping[str, str] | None = None
) -> Source:
    """Parse ``export_uri`` (``postgresql://user@host:port/db?schema=ldj`` or
    ``duckdb:///path/to/ldj.duckdb``); raise SourceError for a password or an unknown kind."""
    tables = dict(tables or {})
    unknown = sorted(set(tables) - set(EXPORT_TABLES))
    if unknown:
        raise SourceError(
            f"config key 'export_tables': unknown contract table(s) {', '.join(unknown)} "
            f"(the tables are {', '.join(EXPORT_TABLES)})"
        )
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("postgresql", "postgres"):
        query = parse_qsl(parts.query, keep_blank_values=True)
        if parts.password is not None or any(k.lower() == "password" for k, _ in query):
            raise SourceError(
                f"config key 'export_uri' holds a password: remove it from the URI and "
                f"{_PASSWORD_HELP}"
            )
        uri_schema = [v for k, v in query if k == "schema"]
        if uri_schema and schema and uri_schema[0] != schema:
            raise SourceError(
                f"config key 'export_schema' ({schema}) differs from the URI's schema "
                f"parameter ({uri_schema[0]}): give the schema once"
            )
        rest = [(k, v) for k, v in query if k != "schema"]
        connect = f"{parts.scheme}://{parts.netloc}{parts.path}"  # as libpq reads it
        connect += f"?{urlencode(rest)}" if rest else ""
        return Source(
            "postgresql",
            uri,
            connect_uri=connect,
            schema=schema or (uri_schema[0] if uri_schema else "public"),
            tables=tables,
        )
    if scheme == "duckdb":
        path = uri[len("duckdb://") :] if uri.startswith("duckdb://") else uri[len("duckdb:") :]
        path = path.split("?", 1)[0]
        if not path:
            raise SourceError("config key 'export_uri': give the DuckDB file as duckdb:///path")
        return Source("duckdb", uri, path=path, schema=schema, tables=tables)
    raise SourceError(
        f"config key 'export_uri': '{redact(uri)}' is neither postgresql://... nor duckdb:///..."
    )


def redact(uri: str) -> str:
    """``uri`` with any password replaced by ``***`` (for messages about refused URIs)."""
    uri = re.sub(r"(://[^:/@?#]*):[^@/?#]*@", r"\1:***@", uri)
    return re.sub(r"(?i)(password=)[^&]*", r"\1***", uri)


def source_from_config(config: Mapping[str, Any]) -> Source | None:
    """The database source of a validated config, or None when it reads ``export_dir``.
    Raises SourceError when both or neither of ``export_dir`` and ``export_uri`` are set."""
    uri, folder = config.get("export_uri"), config.get("export_dir")
    if uri and folder:
        raise SourceError(
            "config keys 'export_dir' and 'export_uri' are both set: give one (to read the "
            "database, set export_dir: null, e.g. --config export_dir=null export_uri=...)"
        )
    if not uri and not folder:
        raise SourceError("config: give 'export_dir' (a folder) or 'export_uri' (a database)")
    if not uri:
        return None
    return parse_source(uri, config.get("export_schema"), config.get("export_tables"))


# -- connections ----------------------------------------------------------------------------


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.lower().startswith(("detail", "hint", "context")):
            return re.sub(r"^\[libpq\]\s*", "", line)
    return type(err).__name__


def _connect_message(source: Source, err: BaseException) -> str:
    text = str(err)
    low = text.lower()
    where = f"LDJ database {source.uri}"
    if "password authentication failed" in low or "no password supplied" in low:
        return f"login refused by {where}: wrong user or password ({_PASSWORD_HELP})"
    if "does not exist" in low and "database" in low:
        return f"cannot open {where}: {_first_line(err)}"
    if any(s in low for s in ("connection refused", "could not connect", "timeout", "no route")):
        return f"cannot reach {where}: server unreachable ({_first_line(err)})"
    return f"cannot connect to {where}: {_first_line(err)}"


#: DuckDB's settings for extraction: the rule's two threads, a memory bound (DuckDB's
#: default is 80 % of the machine), spilling to the system's temp folder, not beside the file.
DUCKDB_SETTINGS = {
    "threads": 2,
    "memory_limit": "1GB",
    "temp_directory": str(Path(tempfile.gettempdir()) / "ldj-duckdb-spill"),
}


def _owned_arrow(reader: Any) -> Any:
    """The batches of DuckDB's Arrow ``reader`` as one Table in Arrow's own memory, each
    batch copied as it comes: DuckDB's Arrow memory goes only when every column of a result
    has gone, so a column kept (a text column shared by a typed frame) would keep the whole
    result; Arrow's copies go column by column."""
    import pyarrow as pa

    cpu = pa.default_cpu_memory_manager()
    return pa.Table.from_batches([batch.copy_to(cpu) for batch in reader], reader.schema)


class Connection:
    """One open connection: SQL in, Arrow out (ADBC for PostgreSQL, DuckDB's own Arrow)."""

    def __init__(self, source: Source):
        self.source = source
        self.closed = False
        if source.engine == "duckdb":
            import duckdb

            path = Path(source.path)
            if not path.is_file():
                raise SourceError(f"cannot open LDJ database {source.uri}: no such DuckDB file")
            try:
                # bounded, like the rule's resources: larger sorts and joins spill to disk
                self._conn = duckdb.connect(str(path), read_only=True, config=DUCKDB_SETTINGS)
            except duckdb.Error as err:
                raise SourceError(
                    f"cannot open LDJ database {source.uri}: {_first_line(err)}"
                ) from None
        else:
            import adbc_driver_postgresql.dbapi as pg

            try:
                self._conn = pg.connect(source.connect_uri)
            except Exception as err:  # the driver's errors are DB-API errors of its own
                raise SourceError(_connect_message(source, err)) from None

    def arrow(self, sql: str, what: str = "reading the table list"):
        """The result of ``sql`` as a pyarrow Table; a failure (a lost connection, a cast
        the server refuses) is a SourceError naming ``what`` was read."""
        try:
            if self.source.engine == "duckdb":
                from ldj_analysis.key_lookups import ARROW_BATCH_ROWS

                return _owned_arrow(self._conn.sql(sql).to_arrow_reader(ARROW_BATCH_ROWS))
            with self._conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetch_arrow_table()
        except Exception as err:  # the drivers' DB-API errors
            raise SourceError(
                f"{what} from the LDJ database {self.source.uri} failed: {_first_line(err)}"
            ) from None

    def server_version(self) -> str:
        if self.source.engine == "duckdb":
            import duckdb

            return f"DuckDB {duckdb.__version__}"
        version = self.arrow("SELECT version() AS v", "reading the server version")
        return str(version.column("v")[0].as_py())

    def close(self) -> None:
        """Close the connection (again: nothing happens)."""
        if not self.closed:
            self.closed = True
            self._conn.close()


@contextmanager
def connect(source: Source) -> Iterator[Connection]:
    """An open :class:`Connection` to ``source``, closed afterwards."""
    conn = Connection(source)
    try:
        yield conn
    finally:
        with suppress(Exception):  # closing a connection the server already dropped
            conn.close()
