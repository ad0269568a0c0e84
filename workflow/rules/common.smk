# Config validation and the paths every rule shares. Reads no data: the DAG builds from
# config alone (and, for a real export, from which table files exist).

from pathlib import Path

from ldj_analysis.codes import TABLES
from ldj_analysis.config import validate_config
from ldj_analysis.export import export_files
from ldj_analysis.norms import norms_path

config.update(validate_config(config))

EXPORT_DIR = config["export_dir"]
SYNTHETIC_DIR = config["synthetic"]["dir"]
NORMS_FILE = str(norms_path(config))  # null: the table shipped with the package
IS_SYNTHETIC = Path(EXPORT_DIR).resolve() == Path(SYNTHETIC_DIR).resolve()
EXPORT_FILES = (
    [f"{SYNTHETIC_DIR}/{table}.csv" for table in TABLES]
    if IS_SYNTHETIC
    else export_files(EXPORT_DIR)
)

DERIVED = "data/derived"
VALIDATED_DIR = "data/interim/validated"
VALIDATED_SUMMARY = f"{DERIVED}/validation.json"
VALIDATION_EXCLUSIONS = f"{DERIVED}/exclusions_validation.csv"
TABLES_DIR = "results/tables"
MODELS_DIR = "results/models"
LOGS = "logs"
