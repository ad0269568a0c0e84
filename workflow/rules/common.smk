# Config validation and the paths every rule shares. Reads no data: the DAG builds from
# config alone (and, for a real export, from which table files exist).

from pathlib import Path

from ldj_analysis.vocabulary import EXPORT_TABLES
from ldj_analysis.config import validate_config
from ldj_analysis.dbsource import source_from_config
from ldj_analysis.export import export_files
from ldj_analysis.norms import norms_path
from ldj_analysis.pseudonym import key_fingerprint, load_key
from ldj_analysis.runlog import check_output_folders, exit_on_user_error, remove_empty_folder

# A config, export or key fault ends the run here with its message alone (no traceback).
with exit_on_user_error():
    config.update(validate_config(config))

    # The export: a folder (export_dir) or the LDJ database (export_uri, refused if it holds
    # a password, so that no params, log or metadata can).
    SOURCE = source_from_config(config)
    EXPORT_DIR = config["export_dir"]
    SYNTHETIC_DIR = config["synthetic"]["dir"]
    NORMS_FILE = str(norms_path(config))  # null: the table shipped with the package
    IS_SYNTHETIC = (
        SOURCE is None and Path(EXPORT_DIR).resolve() == Path(SYNTHETIC_DIR).resolve()
    )
    EXPORT_FILES = (
        []
        if SOURCE is not None
        else [f"{SYNTHETIC_DIR}/{table}.csv" for table in EXPORT_TABLES]
        if IS_SYNTHETIC
        else export_files(EXPORT_DIR)
    )

    # A fingerprint of the pseudonym key (never the key) among the params of the rules that
    # pseudonymise (derive, extract): a changed key reruns them and what depends on them.
    KEY_FINGERPRINT = key_fingerprint(load_key(config["pseudonym_key_file"]))

DERIVED = "data/derived"
# temporary files of a run (the working copy, DuckDB's spill files), gone when it succeeds
INTERIM = "data/interim"
VALIDATED_DIR = f"{INTERIM}/validated"
# DuckDB's spill files (they hold the export's ids, like the working copy): the tmpdir of the
# rules that read the export, under the working directory, where a large export has room;
# `--set-resources validate:tmpdir=/scratch/...` puts them elsewhere
SPILL_DIR = f"{INTERIM}/spill"
VALIDATED_SUMMARY = f"{DERIVED}/validation.json"
VALIDATION_EXCLUSIONS = f"{DERIVED}/exclusions_validation.csv"
VALIDATED_TABLES = expand("{dir}/{table}.parquet", dir=VALIDATED_DIR, table=EXPORT_TABLES)
EXTRACTION = f"{DERIVED}/extraction.json"
TABLES_DIR = "results/tables"
MODELS_DIR = "results/models"
LOGS = "logs"

with exit_on_user_error():  # a file where an output folder should be, or a read-only one
    check_output_folders(
        [DERIVED, VALIDATED_DIR, TABLES_DIR, MODELS_DIR, "results/figures", LOGS]
    )
