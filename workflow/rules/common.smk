# Config validation and the paths every rule shares. Reads no data: the DAG builds from
# config alone (and, for a real export, from which table files exist).

from pathlib import Path

from ldj_analysis.vocabulary import EXPORT_TABLES
from ldj_analysis.config import validate_config
from ldj_analysis.dbsource import source_from_config
from ldj_analysis.export import export_files
from ldj_analysis.norms import norms_path

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

DERIVED = "data/derived"
VALIDATED_DIR = "data/interim/validated"
VALIDATED_SUMMARY = f"{DERIVED}/validation.json"
VALIDATION_EXCLUSIONS = f"{DERIVED}/exclusions_validation.csv"
VALIDATED_TABLES = expand("{dir}/{table}.arrow", dir=VALIDATED_DIR, table=EXPORT_TABLES)
EXTRACTION = f"{DERIVED}/extraction.json"
TABLES_DIR = "results/tables"
MODELS_DIR = "results/models"
LOGS = "logs"
