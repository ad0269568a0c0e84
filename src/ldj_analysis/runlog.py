"""Logging for workflow steps: everything to the rule's log file, problems also to stderr.

A step that fails on bad input (export, config, model) ends with its message, not a
traceback, so a researcher reads what to fix; unexpected errors keep their traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Errors whose message is meant for the researcher.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError)


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
    except Exception:
        logger.exception("step %s failed", step)
        raise
    finally:
        root.removeHandler(to_file)
        root.removeHandler(to_err)
        to_file.close()
