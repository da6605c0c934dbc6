"""The HTML report: self-contained, complete, and equal to what the modules compute."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import report_synth as rs
from report_synth import N_BOOT
from scipy import ndimage as ndi

from nanosinter.cli.main import main
from nanosinter.errors import InputError
from nanosinter.io import read_movie
from nanosinter.kinetics import analyze_kinetics, read_dimer_table
from nanosinter.report import DATA_ELEMENT_ID, preview_indices, write_report
from nanosinter.report._html import fmt

SECTIONS = ("summary", "movie", "curves", "fits", "diffusivity", "mechanism", "beam",
            "accuracy", "provenance")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def _data(html: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>',
                  html, re.S)
    assert m, "embedded data block missing"
    return json.loads(m.group(1).replace("<\\/", "</"))


def _section(html: str, anchor: str) -> str:
    m = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    assert m, f"section {anchor} missing"
    return m.group(1)


def _gif(html: str):
    from PIL import Image

    m = re.search(r'src="data:image/gif;base64,([^"]+)"', html)
    assert m, "no animated preview"
    return Image.open(io.BytesIO(base64.b64decode(m.group(1))))


# ----------------------------------------------------------------------------- page shape
def test_self_contained_every_image_embedded(study):
    tags = _tags(study["html"])
    imgs = [a for t, a in tags if t == "img"]
    assert len(imgs) >= 4  # preview, Fig. 3f,g, neck growth, Fig. 3h
    assert all(a["src"].startswith("data:image/") for a in imgs)
    for tag, attrs in tags:
        for key in ("src", "href"):
            v = attrs.get(key)
            if v is not None:
                assert not re.match(r"(https?:)?//", v), (tag, v)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")
        assert not (tag == "script" and "src" in attrs)


def test_all_sections_in_order(study):
    html = study["html"]
    pos = [html.index(f'<section id="{s}">') for s in SECTIONS]
    assert pos == sorted(pos)
    for s in SECTIONS:
        assert f'href="#{s}"' in html


# ----------------------------------------------------------------------------- numbers
def test_verdict_and_exponent_equal_kinetics_on_same_file(study):
    res = analyze_kinetics(read_dimer_table(study["analysis"] / "dimer.csv"), n_boot=N_BOOT,
                           rng=0, temperature_K=300.0, dose_rate_e_per_A2_s=1000.0,
                           beam_energy_keV=300.0)
    data = _data(study["html"])["kinetics"]
    assert data["verdict"]["mechanism"] == res.verdict.mechanism
    assert data["verdict"]["confidence"] == pytest.approx(res.verdict.confidence, abs=1e-12)
    n = res.fit.model("power_law").params["n"]
    n_page = next(m for m in data["fit"]["models"] if m["key"] == "power_law")["params"]["n"]
    assert n_page == pytest.approx(n, rel=1e-12)
    # The synthetic neck grows by the surface-diffusion law (n = 7) between still particles:
    # the page says surface diffusion, and the free n's interval holds 7.
    assert data["verdict"]["mechanism"] == "surface_diffusion"
    lo, hi = res.fit.model("power_law").intervals["n"]
    assert lo < 7.0 < hi
    summary = _section(study["html"], "summary")
    assert f"Verdict: {res.verdict.label}" in summary
    assert fmt(n, 3) in summary
    d = res.diffusivity.D_s_m2_per_s
    assert data["surface_diffusivity"]["D_s_m2_per_s"] == pytest.approx(d, rel=1e-12)
    assert fmt(d) in _section(study["html"], "diffusivity")
    assert res.budget.answer in _section(study["html"], "beam")


def test_accuracy_equals_independent_errors(study):
    truth = study["truth"]
    meas = pd.read_csv(study["analysis"] / "dimer.csv")
    j = meas.merge(truth, on="frame", suffixes=("", "_t"))
    both = (j["contact"] > 0) & (j["contact_t"] > 0)
    expect = {
        "r1_nm": np.abs(j["r1_nm"] - j["r1_nm_t"]),
        "center_distance_nm": np.abs(j["center_distance_nm"] - j["center_distance_nm_t"]),
        "neck_radius_nm": np.abs(j["neck_radius_nm"] - j["neck_radius_nm_t"])[
            both & (j["neck_radius_nm_t"] > 1.0)],
        "gap_nm": np.abs(j["gap_nm"] - j["gap_nm_t"])[j["contact_t"] == 0],
    }
    rows = {r["quantity"]: r for r in _data(study["html"])["accuracy"]["rows"]}
    section = _section(study["html"], "accuracy")
    for col, err in expect.items():
        err = err.dropna()
        assert rows[col]["frames"] == len(err) > 0
        assert rows[col]["median_abs_error_nm"] == pytest.approx(float(np.median(err)), rel=1e-12)
        assert fmt(rows[col]["median_abs_error_nm"]) in section
    # The forward model adds N(0, 0.05 nm): median |error| = 0.674 sigma = 0.034 nm.
    assert 0.02 < rows["r1_nm"]["median_abs_error_nm"] < 0.05
    contact = rows["contact frame (measured / true)"]
    assert contact["measured"] == contact["true"] == int(np.argmax(truth["contact"] > 0))
    # The test targets of the analysis: each row says whether this record meets its own.
    from nanosinter.report._accuracy import TEST_TARGETS

    assert contact["within_target"] is True and contact["target"] == "± 2 frames"
    for name, (kind, value) in TEST_TARGETS.items():
        row = rows[name]
        if kind == "frames":
            continue
        got = row["median_rel_error"] if kind == "rel" else row["median_abs_error_nm"]
        assert row["within_target"] == (None if got is None else got <= value), (name, row)
    big_r = (j["neck_curvature_radius_nm_t"] >= 1.0) & both
    rel_r = (np.abs(j["neck_curvature_radius_nm"] / j["neck_curvature_radius_nm_t"] - 1)
             [big_r].dropna())
    # (this study's necks have R < 1 nm: the row is empty and meets nothing)
    assert rows["neck_curvature_radius_nm"]["frames"] == len(rel_r) == 0
    assert rows["neck_curvature_radius_nm"]["within_target"] is None
    assert "test target" in section and ">met<" in section


def test_provenance_hashes_equal_hashlib(study):
    prov = _data(study["html"])["provenance"]
    files = {"dimer": study["analysis"] / "dimer.csv", "movie": study["movie"],
             "truth": Path(str(study["movie"]) + ".truth.csv")}
    section = _section(study["html"], "provenance")
    for role, path in files.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert prov["inputs"][role]["sha256"] == digest
        assert digest in section
    assert prov["parameters"]["seed"] == 0
    assert prov["parameters"]["n_boot"] == N_BOOT
    assert "numpy" in prov["versions"] and "nanosinter" in prov["versions"]


# ----------------------------------------------------------------------------- preview
def test_preview_frames_and_overlays_sit_on_the_particles(study):
    """The circles' midpoint is the dark dimer's centroid in the raw (drifting) frame."""
    gif = _gif(study["html"])
    truth = study["truth"]
    idx = preview_indices(len(truth), 24, int(np.argmax(truth["contact"] > 0)))
    assert gif.n_frames == len(idx)
    movie = read_movie(study["movie"])
    ny, nx = movie.shape[1:]
    scale = gif.size[0] / nx
    assert gif.size == (round(nx * scale), round(ny * scale))
    checked_neck = False
    for k in (0, len(idx) - 1):  # first frame (no drift) and last (largest drift, with neck)
        gif.seek(k)
        rgb = np.asarray(gif.convert("RGB")).astype(int)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        red = (r > 170) & (g < 110) & (b < 110)
        green = (g > 150) & (r < 120) & (b < 140)
        yellow = (r > 200) & (g > 180) & (b < 90)
        assert red.sum() > 30 and green.sum() > 30
        yr, xr = np.argwhere(red).mean(axis=0)
        yg, xg = np.argwhere(green).mean(axis=0)
        frame = ndi.gaussian_filter(movie.frame(int(idx[k])).astype(float), 2.0)
        bg = np.median(frame)
        dark = frame < bg - 0.5 * (bg - frame.min())
        lab, _ = ndi.label(dark)
        sizes = np.bincount(lab.ravel())[1:]
        big = np.isin(lab, 1 + np.flatnonzero(sizes > 0.3 * sizes.max()))  # both lobes
        cy, cx = np.argwhere(big).mean(axis=0)
        cx, cy = (cx + 0.5) * scale - 0.5, (cy + 0.5) * scale - 0.5
        assert abs((xr + xg) / 2 - cx) < 2.0 and abs((yr + yg) / 2 - cy) < 2.0
        # Radius of the drawn circle = the measured r1 (frame pixels x scale).
        row = pd.read_csv(study["analysis"] / "dimer.csv").set_index("frame").loc[int(idx[k])]
        rad = np.hypot(*(np.argwhere(red) - (yr, xr)).T).mean()
        assert rad == pytest.approx(row["r1_nm"] / rs.PIXEL_NM * scale, abs=1.5)
        if row["contact"] > 0:
            assert yellow.sum() > 5
            yy, xy = np.argwhere(yellow).mean(axis=0)
            # Equal lobes: the neck bar is centred midway between the circles.
            assert abs(xy - (xr + xg) / 2) < 2.0 and abs(yy - (yr + yg) / 2) < 2.0
            checked_neck = True
        else:
            assert yellow.sum() == 0
    assert checked_neck


def test_preview_indices():
    idx = preview_indices(30, 24, 8)
    assert idx[0] == 0 and idx[-1] == 29 and 8 in idx
    assert np.all(np.diff(idx) > 0) and len(idx) <= 25
    assert preview_indices(5, 24).tolist() == [0, 1, 2, 3, 4]


# ----------------------------------------------------------------------------- degradation
def test_missing_pieces_become_notes(tmp_path):
    """No movie, no truth, no contact: the page is still written, with notes."""
    from synth_kinetics import dimer_record

    adir = tmp_path / "a"
    adir.mkdir()
    rec = dimer_record(n_pre=20, n_post=0)
    pd.DataFrame({"frame": np.arange(20), **rec}).to_csv(adir / "dimer.csv", index=False)
    out = write_report(adir, tmp_path / "r.html", n_boot=20)
    html = out.read_text(encoding="utf-8")
    for s in SECTIONS:
        assert f'<section id="{s}">' in html
    assert "No movie preview" in html
    assert "No neck-growth fit" in html
    assert "No beam budget" in html
    assert "No ground truth" in html
    assert _data(html)["kinetics"]["fit"] is None
    assert "data:image/gif" not in html
    assert html.count("data:image/png") == 2  # Fig. 3f,g and Fig. 3h still drawn


def test_analysis_folder_without_dimer_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"dimer\.csv"):
        write_report(tmp_path, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_cli_bad_input_exit_2_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "dimer.csv" in err
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_with_simulation_folder(study, tmp_path, capsys):
    """--sim: truth curves from observables.csv, beam and temperature from config.toml."""
    adir = tmp_path / "analysis"
    shutil.copytree(study["analysis"], adir)
    (adir / "analysis.json").unlink()  # the movie is not known: no preview, no movie truth
    sim = tmp_path / "sim"
    sim.mkdir()
    study["truth"].drop(columns=["frame", "x1_nm", "y1_nm", "x2_nm", "y2_nm"]).to_csv(
        sim / "observables.csv", index=False)
    (sim / "config.toml").write_text(
        "[beam]\nbeam_energy_keV = 200.0\ndose_rate_e_per_A2_s = 20.0\n"
        "[temperature]\ntemperature_K = 350.0\n", encoding="utf-8")
    out = tmp_path / "report.html"
    rc = main(["report", str(adir), "--out", str(out), "--sim", str(sim), "--bootstrap", "30"])
    assert rc == 0
    assert capsys.readouterr().out.strip() == str(out.resolve())
    html = out.read_text(encoding="utf-8")
    data = _data(html)
    budget = data["kinetics"]["beam_budget"]
    assert budget["dose_rate_e_per_A2_s"] == 20.0 and budget["beam_energy_keV"] == 200.0
    assert data["kinetics"]["surface_diffusivity"]["temperature_K"] == 350.0
    assert "simulation observables.csv" in _section(html, "curves")
    cfg_hash = hashlib.sha256((sim / "config.toml").read_bytes()).hexdigest()
    assert data["provenance"]["inputs"]["sim_config"]["sha256"] == cfg_hash
    assert "No movie preview" in html
    # Kinetics on the true curves sits beside the measured ones.
    assert data["accuracy"]["truth_kinetics"]["verdict"]["mechanism"]


def test_real_movie_preview_without_calibration(real_data, tmp_path):
    """A real in-situ movie (PNG frames, no calibration): preview without overlays, notes."""
    frames = real_data / "insitu_au_750C" / "raw"
    if not frames.is_dir():
        pytest.skip(f"{frames} is absent")
    n = len(list(frames.glob("*.png")))
    adir = tmp_path / "a"
    adir.mkdir()
    pd.DataFrame({"time_s": np.arange(n, dtype=float), "frame": np.arange(n),
                  "r1_nm": 3.0, "r2_nm": 3.0, "neck_radius_nm": np.nan,
                  "neck_curvature_radius_nm": np.nan, "center_distance_nm": 7.0,
                  "contact": 0}).to_csv(adir / "dimer.csv",
                                                                  index=False)
    html = write_report(adir, tmp_path / "r.html", movie=frames, n_boot=20).read_text(
        encoding="utf-8")
    gif = _gif(html)
    assert gif.n_frames == len(preview_indices(n, 24)) and max(gif.size) == 360
    movie = _section(html, "movie")
    assert "No pixel size known" in movie and "no pixel size" in movie  # reader's warning too
    assert len(html) < 6_000_000


# ----------------------------------------------------------------------------- browser
def test_renders_in_headless_chromium_without_errors(study, tmp_path):
    from nanosinter.report.screenshot import find_chromium, render_errors, screenshot

    if find_chromium() is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    dom, errors = render_errors(study["report"])
    assert errors == []
    for s in SECTIONS:
        assert f'id="{s}"' in dom
    assert dom.count("<img") >= 4
    png = screenshot(study["report"], tmp_path / "shot.png", crop_height_px=1200,
                     max_bytes=150_000)
    from PIL import Image

    with Image.open(png) as img:
        assert img.height <= 1200 and img.width <= 1280
    assert png.stat().st_size <= 150_000


def test_neck_visibility_beside_the_movie_is_plotted_and_summarised(study, tmp_path):
    # a copy of the movie and its truth, with a visibility table written beside them
    movie = tmp_path / "movie.hspy"
    shutil.copy(study["movie"], movie)
    shutil.copy(str(study["movie"]) + ".truth.csv", str(movie) + ".truth.csv")
    truth = pd.read_csv(str(movie) + ".truth.csv")
    frames = truth["frame"].to_numpy()[::2]
    d_shot = np.linspace(0.0, 12.0, frames.size)
    vis = pd.DataFrame({"frame": frames, "time_s": truth["time_s"].to_numpy()[::2],
                        "snapshot_index": frames, "n_bridge_atoms": 100,
                        "peak_signal_counts": 1.0, "noise_counts": 10.0,
                        "d_shot": d_shot, "d_texture": d_shot / 4})
    vis.to_csv(str(movie) + ".visibility.csv", index=False)
    out = write_report(study["analysis"], tmp_path / "r.html", movie=movie, n_boot=N_BOOT,
                       seed=0)
    html = out.read_text(encoding="utf-8")
    first_shot = int(frames[np.argmax(d_shot >= 5.0)])
    got = _data(html)["accuracy"]["neck_visibility"]
    assert got["first_visible_frame_texture_known"] == first_shot
    assert got["first_visible_frame_texture_unknown"] is None  # max d_texture 3 < 5
    assert got["max_d_texture"] == pytest.approx(3.0)
    assert got["true_contact_frame"] == int(truth.loc[truth["contact"] > 0, "frame"].iloc[0])
    assert f"at frame {first_shot} if the support texture were known" in html
    prov = _data(html)["provenance"]["inputs"]
    vis_hash = hashlib.sha256((tmp_path / "movie.hspy.visibility.csv").read_bytes()).hexdigest()
    assert prov["neck_visibility"]["sha256"] == vis_hash
    # without the table, no such section (the study's own report)
    assert "neck_visibility" not in _data(study["html"])["accuracy"]
