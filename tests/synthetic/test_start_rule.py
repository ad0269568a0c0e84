"""What ``pairing.duplicate_start_lists`` does to the default run (docs/reruns.md's account of
why the default is ``latest``, not the monitoring convention's ``earliest``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.derive import derive
from ldj_analysis.norms import load_norms, norms_path
from ldj_analysis.selection import select
from ldj_analysis.synthetic import generate
from ldj_analysis.validation import validate_export

ROOT = Path(__file__).resolve().parents[2]
SEED = 20180101


def derived(rule: str):
    config = validate_config({"pairing": {"duplicate_start_lists": rule}})
    export, _ = select(validate_export(generate(SEED), config).export, config["selection"])
    norms = load_norms(norms_path(config))
    return derive(export, config, norms=norms, pseudonym_key=b"k", synthetic_export=True)


@pytest.mark.slow
def test_earliest_start_lists_lose_two_published_pairs():
    latest, earliest = derived("latest"), derived("earliest")
    flow = {d: r.flow.set_index("step")["count"] for d, r in (("l", latest), ("e", earliest))}
    assert flow["l"]["pairs selected"] == flow["e"]["pairs selected"] == 724
    key = ["client_key", "team_id", "moment", "domain"]
    both = latest.pairs.merge(earliest.pairs, on=key, suffixes=("_l", "_e"))
    other_start = (both["pre_date_l"] != both["pre_date_e"]).sum()
    assert other_start + 2 == 26  # 2 more use another start list and have no norm group
    assert (both["pre_date_e"] <= both["pre_date_l"]).all()  # always an earlier one
    assert flow["l"]["pairs analysed"] == 724
    assert flow["e"]["pairs analysed"] == 722
    assert flow["e"]["pairs without a norm group (excluded)"] == 2
    assert flow["e"]["pairs analysed: opgroei"] == 402
    assert flow["e"]["clients in analysed pairs"] == 477
    n = earliest.table4.set_index(["condition", "domain"])["n"]
    assert n[("control", "opgroei")] == 166
