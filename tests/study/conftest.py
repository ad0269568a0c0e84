import pandas as pd
import pytest

from ldj_analysis.norms import check_norms


@pytest.fixture
def norms() -> pd.DataFrame:
    """Round test norms: every list gets z = (raw - 10) / 5 (CBCL) or (raw - 50) / 10 (OBVL)."""
    return check_norms(
        pd.DataFrame(
            {
                "instrument": ["CBCL_6-18", "OBVL", "SDQ_ouder", "GVL", "SIER", "CBCL_1.5-5"],
                "sex": ["all"] * 6,
                "age_min": [0] * 6,
                "age_max": [25] * 6,
                "mean": [10.0, 50.0, 5.0, 50.0, 20.0, 10.0],
                "sd": [5.0, 10.0, 2.0, 10.0, 5.0, 5.0],
                "higher_is_worse": [True] * 6,
                "source": ["test"] * 6,
            }
        )
    )
