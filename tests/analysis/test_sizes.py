"""Particle size distribution: synthetic overview with known diameters, real Au frames."""

from __future__ import annotations

import json

import numpy as np
import pytest
from synth import random_spheres, spheres_frame

from nanosinter.analysis import size_distribution
from nanosinter.cli.main import main


def test_sizes_of_synthetic_overview():
    ps = 0.5
    centres, radii = random_spheres(25, box_nm=(150.0, 150.0), rng=4)
    img = spheres_frame(centres, radii, shape_px=(300, 300), pixel_size_nm=ps, rng=5,
                        dose_counts=400.0)
    res = size_distribution(img, pixel_size_nm=ps, exclude_border=True,
                            edge_correction="sphere")
    assert res["count"] == len(radii)
    true_mean = float(np.mean(2 * radii))
    assert abs(res["mean_diameter_nm"] / true_mean - 1) <= 0.05
    # Without the correction the detection-level outline lies inside the silhouettes.
    plain = size_distribution(img, pixel_size_nm=ps, exclude_border=True)
    assert plain["count"] == res["count"]
    assert plain["mean_diameter_nm"] < res["mean_diameter_nm"]
    assert len(res["diameters_nm"]) == res["count"]
    assert res["std_diameter_nm"] > 0


def test_sizes_flags_an_empty_image():
    res = size_distribution(np.full((64, 64), 10.0), pixel_size_nm=1.0)
    assert res["count"] == 0 and np.isnan(res["mean_diameter_nm"])
    assert "no particle found" in res["flags"]


def _mask_stats(path):
    from PIL import Image
    from scipy import ndimage as ndi

    m = np.asarray(Image.open(path))
    m = (m[..., 0] if m.ndim == 3 else m) > 127
    lab, n = ndi.label(m)
    areas = np.bincount(lab.ravel())[1:]
    return n, float(np.mean(2 * np.sqrt(areas / np.pi)))


def test_real_insitu_au_frames_match_hand_masks(real_data):
    """Count and mean equivalent diameter within 10 % of the hand-made masks, every frame."""
    from nanosinter.io import read_movie

    folder = real_data / "insitu_au_750C"
    masks = sorted((folder / "ground_truth").glob("frame_*.png"))
    if len(masks) != 10:
        pytest.skip(f"expected 10 hand-made masks in {folder / 'ground_truth'}")
    report = []
    for mpath in masks:
        n_mask, d_mask = _mask_stats(mpath)
        movie = read_movie(folder / "raw" / mpath.name, pixel_size_nm=1.0)
        res = size_distribution(movie.frame(0), pixel_size_nm=1.0)
        report.append((mpath.name, n_mask, res["count"], d_mask, res["mean_diameter_nm"]))
    for name, n_mask, n, d_mask, d in report:
        assert abs(n / n_mask - 1) <= 0.10, (name, n_mask, n)
        assert abs(d / d_mask - 1) <= 0.10, (name, d_mask, d)


def test_sizes_cli_json_and_plot(tmp_path, capsys):
    from nanosinter.io import Movie, write_movie

    ps = 0.5
    centres, radii = random_spheres(12, box_nm=(100.0, 100.0), rng=8)
    img = spheres_frame(centres, radii, shape_px=(200, 200), pixel_size_nm=ps, rng=9,
                        dose_counts=400.0)
    path = write_movie(Movie(frames=img[None].astype(np.float32), pixel_size_nm=ps),
                       tmp_path / "overview.tif")
    png = tmp_path / "hist.png"
    assert main(["sizes", str(path), "--json", "--plot", str(png),
                 "--edge-correction", "sphere"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert {"count", "mean_diameter_nm", "std_diameter_nm", "diameters_nm"} <= rec.keys()
    assert rec["count"] == len(radii)
    assert abs(rec["mean_diameter_nm"] / np.mean(2 * radii) - 1) <= 0.05
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Text output and a bad input (one line, exit 2).
    assert main(["sizes", str(path)]) == 0
    assert "count:" in capsys.readouterr().out
    assert main(["sizes", str(tmp_path / "missing.tif")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nanosinter sizes: error:") and "\n" not in err


def test_analyze_finds_the_real_au_particles(real_data, tmp_path):
    """``analyze`` scales its denoising to the pixel size: on two real Au frames (~6 px
    particles) it detects about as many particles per frame as the hand-made masks hold."""
    from table_rows import read_csv

    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.io import read_movie

    folder = real_data / "insitu_au_750C"
    names = ["frame_1.png", "frame_20.png"]
    if not all((folder / "ground_truth" / n).is_file() for n in names):
        pytest.skip(f"hand-made masks {names} absent from {folder}")
    movie = read_movie([folder / "raw" / n for n in names], pixel_size_nm=1.0, fps=1.0)
    analyze_movie(movie, tmp_path, options=AnalysisOptions(n_overlays=0, dimer_enabled=False,
                                                           pairs=False))
    rows = read_csv(tmp_path / "frames.csv")
    for row, name in zip(rows, names, strict=True):
        n_mask, _ = _mask_stats(folder / "ground_truth" / name)
        assert abs(row["n_particles"] / n_mask - 1) <= 0.10, (name, row["n_particles"], n_mask)
