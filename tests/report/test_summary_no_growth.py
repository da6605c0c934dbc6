"""The summary's headline numbers when the neck does not grow."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kinetics"))
from synth_kinetics import dimer_record, flat_neck_record

from nanosinter.kinetics import analyze_kinetics, dimer_table_from_columns
from nanosinter.report._html import fmt
from nanosinter.report._report import _summary_html, free_exponent


def test_no_growth_shows_no_exponent_in_the_headline():
    res = analyze_kinetics(dimer_table_from_columns(flat_neck_record(rng=6)), n_boot=100, rng=3)
    assert not res.fit.growth_detected
    html = _summary_html(res, [], "given")
    assert "— (no growth)" in html
    n, _ = free_exponent(res)
    assert np.isfinite(n) and fmt(n, 3) not in html


def test_growth_shows_the_exponent_and_its_interval():
    res = analyze_kinetics(dimer_table_from_columns(dimer_record(rng=2)), n_boot=100, rng=3)
    assert res.fit.growth_detected
    html = _summary_html(res, [], "given")
    n, _ = free_exponent(res)
    assert fmt(n, 3) in html and "no growth" not in html
