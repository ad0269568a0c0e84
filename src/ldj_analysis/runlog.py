"""Logging for workflow steps: everything to the rule's log file, problems also to stderr.

A step that fails on bad input (export, config, model) ends with its message, not a
traceback, so a researcher reads what to fix; so does an output folder that cannot be
written (read-only, full, a file where a folder should be), DuckDB running out of the
memory it was given, and Ctrl-C. Unexpected errors keep their traceback.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

#: Errors whose message is meant for the researcher.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError)
#: Exit status of a step stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
INTERRUPTED = 130
#: OS errors of a path the run cannot write: told in one line naming the path.
_PATH_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOSPC,
    errno.EDQUOT,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
}


def path_error_message(err: OSError, step: str = "") -> str | None:
    """One line for an OS error of a path the run cannot write (read-only, no space, a
    file where a folder should be), naming the path (or, when the error names none, as
    Arrow's writers' errors do, the step's working folder); None for any other error."""
    import re

    code = err.errno
    if code is None:  # Arrow: "... [errno 28] No space left on device"
        found = re.search(r"\[errno (\d+)\]", str(err))
        code = int(found.group(1)) if found else None
    if code not in _PATH_ERRNOS:
        return None
    import os

    path = err.filename or f"the outputs of step {step or '?'} under {Path.cwd()}"
    return f"cannot write {path}: {os.strerror(code)}"


def remove_empty_folder(folder: str | Path) -> None:
    """Remove ``folder`` if it is there and empty (a working folder a run made, left empty
    by the rules that used it); anything in it keeps it."""
    with suppress(OSError):
        Path(folder).rmdir()


def check_output_folders(folders: list[str | Path]) -> None:
    """Raise a ValueError, one line naming the path, when an output folder cannot be made
    or written: a file stands where it or a parent folder should be, or the folder is
    read-only. Checked while the workflow is parsed, before Snakemake scans the folders
    (which it would end with a traceback)."""
    import os

    for folder in map(Path, folders):
        for part in [*reversed(folder.parents[:-1]), folder]:
            if part.exists() and not part.is_dir():
                raise ValueError(f"cannot write {folder}: {part} is a file, not a folder")
            if not part.exists():
                break
        else:
            if not os.access(folder, os.W_OK | os.X_OK):
                raise ValueError(f"cannot write {folder}: the folder is read-only")


@contextmanager
def exit_on_user_error() -> Iterator[None]:
    """While the workflow is parsed: a fault of the config, the export or the key ends the
    run with its message alone (Snakemake would print it with the Python stack)."""
    try:
        yield
    except USER_ERRORS as err:
        sys.exit(str(err))
    except OSError as err:
        message = path_error_message(err)
        if message is None:
            raise
        sys.exit(message)


@contextmanager
def logged_step(log_path: str | Path, step: str) -> Iterator[logging.Logger]:
    """Send logging to ``log_path`` (and warnings to stderr) while the step runs."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    to_file = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_err = logging.StreamHandler(sys.stderr)
    to_err.setLevel(logging.WARNING)
    to_err.setFormatter(logging.Formatter(f"[{step}] %(levelname)s: %(message)s"))
    root.addHandler(to_file)
    root.addHandler(to_err)
    logging.captureWarnings(True)
    logger = logging.getLogger(f"ldj_analysis.step.{step}")
    try:
        yield logger
    except USER_ERRORS as err:
        logger.error("%s", err)
        sys.exit(1)
    except KeyboardInterrupt:
        _interrupted(logger, to_err, step)
    except OSError as err:
        if (message := path_error_message(err, step)) is None:
            logger.exception("step %s failed", step)
            raise
        logger.error("%s", message)
        sys.exit(1)
    except Exception as err:
        if type(err).__name__ == "InterruptException":  # DuckDB's Ctrl-C
            _interrupted(logger, to_err, step)
        if (message := out_of_memory_message(err, step)) is not None:
            logger.error("%s", message)
            sys.exit(1)
        logger.exception("step %s failed", step)
        raise
    finally:
        root.removeHandler(to_file)
        root.removeHandler(to_err)
        to_file.close()


def out_of_memory_message(err: BaseException, step: str) -> str | None:
    """One line for DuckDB running out of the memory it was given (its own error, or a
    recipe step's that it caused), saying how to give the rule more; None otherwise."""
    cause: BaseException | None = err
    while cause is not None and type(cause).__name__ != "OutOfMemoryException":
        cause = cause.__cause__
    if cause is None:
        return None
    first = str(cause).strip().splitlines()[0]
    return (
        f"step {step} ran out of memory: {first}. Give the rule more: `snakemake "
        f"--set-resources {step}:mem_mb=N`, N over twice the limit shown (DuckDB gets half of "
        "mem_mb and spills beyond it to disk, but not every query can)"
    )


def _interrupted(logger: logging.Logger, to_err: logging.Handler, step: str) -> None:
    """Ctrl-C: end the step quietly (Snakemake tells the user), saying so in its log file."""
    to_err.setLevel(logging.CRITICAL + 1)
    logger.error("step %s interrupted (Ctrl-C)", step)
    sys.exit(INTERRUPTED)
