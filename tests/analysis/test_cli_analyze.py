"""``nanosinter analyze``: JSON contract, output files, dimer.csv readable by kinetics, errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from synth import spheres_frame

from nanosinter.cli.main import main
from nanosinter.io import Movie, write_movie

CONTRACT = ("time_s", "frame", "r1_nm", "r2_nm", "neck_radius_nm", "neck_curvature_radius_nm",
            "center_distance_nm", "gap_nm", "contact", "volume_nm3")


@pytest.fixture(scope="module")
def two_sphere_movie(tmp_path_factory):
    """Two 5 nm spheres 1.5 nm apart, 5 frames, written as an ImageJ TIFF at 0.1 nm/px."""
    frames = np.stack([spheres_frame([(6.0, 10.0), (17.5, 10.0)], [5.0, 5.0],
                                     shape_px=(200, 240), rng=i, dose_counts=200.0)
                       for i in range(5)]).astype(np.float32)
    path = tmp_path_factory.mktemp("movie") / "two.tif"
    write_movie(Movie(frames=frames, pixel_size_nm=0.1), path)
    return path


def test_analyze_json_and_files(two_sphere_movie, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["analyze", str(two_sphere_movie), "--out", str(out), "--fps", "2", "--json",
                 "--overlay-frames", "0", "4"])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["n_frames"] == 5 and rec["frames_per_s"] > 0 and rec["peak_memory_mb"] > 0
    assert rec["pixel_size_nm"] == pytest.approx(0.1)
    for name in ("particles", "events", "dimer", "pairs", "frames"):
        assert (out / f"{name}.csv").is_file()
    assert len(rec["files"]["overlays"]) == 2
    with open(out / "dimer.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert set(CONTRACT) <= set(rows[0])
    assert {c + "_err" for c in CONTRACT if c not in ("time_s", "frame", "contact")} <= set(rows[0])
    times = [float(r["time_s"]) for r in rows]
    assert times == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])
    gaps = np.array([float(r["gap_nm"]) for r in rows])
    assert np.all(np.abs(gaps - 1.5) <= 0.3)
    assert all(r["gap_in_window"] == "1" for r in rows)
    assert all(r["contact"] == "0" for r in rows)
    # The kinetics layer reads the table (same column contract as the KMC observables).
    from nanosinter.kinetics._table import read_dimer_table

    table = read_dimer_table(out / "dimer.csv")
    assert np.allclose(table.r1_nm, [float(r["r1_nm"]) for r in rows])
    assert "r1_nm" in table.errors
    summary = json.loads((out / "analysis.json").read_text())
    assert summary["n_frames"] == 5 and "provenance" in summary


def test_analyze_text_output(two_sphere_movie, tmp_path, capsys):
    assert main(["analyze", str(two_sphere_movie), "--out", str(tmp_path / "o"),
                 "--no-dimer", "--fps", "1"]) == 0
    text = capsys.readouterr().out
    assert "5 frames" in text and "frames/s" in text
    assert not (tmp_path / "o" / "dimer.csv").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "{missing}", "--out", "{out}"],
        ["analyze", "{movie}", "--out", "{out}", "--pixel-size-nm", "-1"],
        ["analyze", "{movie}", "--out", "{out}", "--fps", "0"],
        ["analyze", "{movie}", "--out", "{out}", "--rim-model-nm", "-1"],
        ["analyze", "{movie}", "--out", "{out}", "--merge-confirm-frames", "-1"],
        ["analyze", "{movie}", "--out", "{out}", "--texture-min-gap-nm", "-0.5"],
        ["analyze", "{movie}", "--out", "{out}", "--contact-backfill-nm", "-0.1"],
        ["analyze", "{movie}", "--out", "{out}", "--touch-gap-nm", "-0.2"],
        ["analyze", "{movie}", "--out", "{out}", "--bridge-dchi2", "-5"],
    ],
    ids=["missing-file", "negative-pixel-size", "zero-fps", "negative-rim",
         "negative-merge-confirm", "negative-texture-gap", "negative-backfill",
         "negative-touch-gap", "negative-bridge-dchi2"],
)
def test_analyze_bad_input_is_one_line_exit_2(argv, two_sphere_movie, tmp_path, capsys):
    fill = {"missing": str(tmp_path / "nope.tif"), "out": str(tmp_path / "o"),
            "movie": str(two_sphere_movie)}
    code = main([a.format(**fill) for a in argv])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nanosinter analyze: error:")
    assert "\n" not in err
