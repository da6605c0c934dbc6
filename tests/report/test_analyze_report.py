"""``nanosinter analyze MOVIE --out DIR --report``: analysis, fit and report in one go."""

from __future__ import annotations

import json
import re

from nanosinter.cli.main import main
from nanosinter.kinetics import analyze_kinetics, read_dimer_table
from nanosinter.report import DATA_ELEMENT_ID


def test_analyze_with_report_writes_the_page_of_its_own_tables(study, tmp_path, capsys):
    out = tmp_path / "an"
    code = main(["analyze", str(study["movie"]), "--out", str(out), "--report", "--json"])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)
    report = out / "report.html"
    assert rec["files"]["report"] == str(report) and report.is_file()
    html = report.read_text(encoding="utf-8")
    m = re.search(rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>',
                  html, re.S)
    data = json.loads(m.group(1).replace("<\\/", "</"))
    # The page explains this run's dimer.csv: its verdict is the kinetics of that file, and
    # the truth beside the movie was found (an accuracy table exists).
    res = analyze_kinetics(read_dimer_table(out / "dimer.csv"), n_boot=500, rng=0,
                           temperature_K=300.0, dose_rate_e_per_A2_s=1000.0,
                           beam_energy_keV=300.0)
    assert data["kinetics"]["verdict"]["mechanism"] == res.verdict.mechanism
    assert len(data["accuracy"]["rows"]) > 0, "truth beside the movie gives accuracy rows"
