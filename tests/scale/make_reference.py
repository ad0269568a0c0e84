"""Write the reference outputs of the scale tests (``reference/*.parquet``).

Made with the plain pandas code of commit 69f0191 (before the Arrow paths for national
scale), by running this script with that version of ``src`` first on the path:

    git worktree add /tmp/ldj-69f0191 69f0191
    PYTHONPATH=/tmp/ldj-69f0191/src python tests/scale/make_reference.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scenario import VARIANTS, broken_export, outputs, run  # noqa: E402

if __name__ == "__main__":
    import ldj_analysis

    print(f"ldj_analysis from {ldj_analysis.__file__}")
    (HERE / "reference").mkdir(exist_ok=True)
    export = broken_export()
    for variant in VARIANTS:
        for name, frame in outputs(*run(export, variant)).items():
            frame.to_parquet(HERE / "reference" / f"{variant}_{name}.parquet", index=False)
            print(f"{variant} {name}: {len(frame)} rows")
