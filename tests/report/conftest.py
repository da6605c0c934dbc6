"""Shared inputs of the report tests: one rendered movie with truth and its analysis folder."""

from __future__ import annotations

import pytest
import report_synth as rs
from report_synth import N_BOOT


@pytest.fixture(scope="package")
def study(tmp_path_factory):
    """(analysis_dir, movie, truth DataFrame, report path) built once for the package."""
    root = tmp_path_factory.mktemp("study")
    truth = rs.truth_geometry()
    movie = rs.render(truth, root / "movie.hspy")
    adir = rs.analysis_folder(root / "analysis", truth, movie=movie)
    from nanosinter.report import write_report

    out = write_report(adir, root / "report.html", n_boot=N_BOOT, seed=0)
    return {"analysis": adir, "movie": movie, "truth": truth, "report": out,
            "html": out.read_text(encoding="utf-8")}
