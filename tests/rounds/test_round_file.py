"""round.yaml: init writes a valid commented file, spec hides the final secrets, make-data draws held-out conditions."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
import yaml

from saferkit.core.errors import UserError
from saferkit.rounds.spec import read_round


def test_init_spec_and_make_data(tmp_path, run_cli):
    assert run_cli("round", "init", "--start", "2027-01-10", "--name", "spring", "--out", str(tmp_path / "round.yaml")).returncode == 0
    organiser = (tmp_path / "round.yaml").read_text()
    assert "# SECRET" in organiser and read_round(tmp_path / "round.yaml").secret
    done = run_cli("round", "spec", str(tmp_path / "round.yaml"), "--out", str(tmp_path / "spec.yaml"))
    assert done.returncode == 0, done.stderr
    spec = yaml.safe_load((tmp_path / "spec.yaml").read_text())
    final = spec["phases"]["final"]
    seed = yaml.safe_load(organiser)["phases"]["final"]["data"]["seed"]
    assert "seed" not in final["data"] and "held_out" not in final["data"] and str(seed) not in (tmp_path / "spec.yaml").read_text()
    assert final["shift_attributes"] == ["device", "lighting"] and "camera" in final["shift"]
    assert spec["phases"]["development"]["data"]["seed"] == 101
    assert not read_round(tmp_path / "spec.yaml").secret  # a spec is itself a valid round file, without the secrets
    # Teams can make the development data from the spec; the final data needs the organiser's file.
    small = yaml.safe_load(organiser)
    for phase in ("development", "final"):
        small["phases"][phase]["data"]["n"], small["phases"][phase]["data"]["size"] = 60, 32
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(small))
    run_cli("round", "spec", str(tmp_path / "small.yaml"), "--out", str(tmp_path / "small-spec.yaml"))
    assert run_cli("round", "make-data", str(tmp_path / "small-spec.yaml"), "--phase", "development", "--out", str(tmp_path / "dev"), "--workers", "1").returncode == 0
    refused = run_cli("round", "make-data", str(tmp_path / "small-spec.yaml"), "--phase", "final", "--out", str(tmp_path / "fin"))
    assert refused.returncode != 0 and "only the organiser" in refused.stderr
    assert run_cli("round", "make-data", str(tmp_path / "small.yaml"), "--phase", "final", "--out", str(tmp_path / "fin"), "--workers", "1").returncode == 0

    def devices(folder):
        with open(folder / "manifest.csv") as handle:
            return Counter((row["device"], row["lighting"]) for row in csv.DictReader(handle))

    dev, fin = devices(tmp_path / "dev"), devices(tmp_path / "fin")
    assert not any(d == "low" or light == "dark" for d, light in dev)  # the development data never shows them
    assert sum(n for (d, light), n in fin.items() if d == "low" or light == "dark") >= 30


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["phases"]["final"].update(opens="2027-01-12"), "final opens before"),
    (lambda r: r["phases"]["final"]["data"]["held_out"]["shares"].update(device={"hq": 1.0}), "also appears in the development"),
    (lambda r: r["limits"].update(per_day=50), "per_day is larger"),
    (lambda r: r["ranking"].update(metric="accuracy"), "ranking.metric"),
    (lambda r: r["phases"]["final"]["data"].update(seed=101), "choose a secret seed"),
    (lambda r: r.pop("phases"), "phases"),
])
def test_invalid_rounds_are_refused_with_where(tmp_path, edit, message):
    from saferkit.rounds.template import round_template
    import datetime as dt

    data = yaml.safe_load(round_template("r1", "t", dt.date(2027, 1, 10)))
    edit(data)
    (tmp_path / "round.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(UserError, match=message):
        read_round(tmp_path / "round.yaml")
