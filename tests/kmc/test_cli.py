"""``nanosinter simulate``: JSON contract, bad configurations, kill -9 and --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nanosinter.kmc import SUMMARY_KEYS, read_index, read_snapshot

CLI = [sys.executable, "-m", "nanosinter.cli.main"]


def _simulate(*args, timeout=240):
    return subprocess.run([*CLI, "simulate", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def _toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_json_summary_contract_and_outputs(tmp_path):
    out = tmp_path / "sim"
    p = _simulate("--preset", "tang2023-demo", "--out", out, "--seed", 5, "--until-s", 30,
                  "--every-s", 2.5, "--json")
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert set(summary) == set(SUMMARY_KEYS)
    assert summary["seed"] == 5 and summary["simulated_time_s"] == pytest.approx(30.0)
    assert summary["events"] > 0 and summary["events_per_s"] > 0 and summary["wall_s"] > 0
    assert summary["n_atoms_initial"] >= summary["n_atoms_final"] > 0
    lines = (out / "observables.csv").read_text().splitlines()
    assert lines[0].split(",")[:12] == [
        "time_s", "events", "n_atoms", "r1_nm", "r2_nm", "neck_radius_nm",
        "neck_curvature_radius_nm", "center_distance_nm", "gap_nm", "contact",
        "n_surface_atoms", "mixing_index"]
    assert [float(r.split(",")[0]) for r in lines[1:]] == [2.5 * i for i in range(13)]
    snaps = read_index(out)
    assert len(snaps) >= 2
    s0 = read_snapshot(snaps[0][3])
    assert s0.n_atoms == summary["n_atoms_initial"] and s0.positions_nm[:, 2].min() > 0
    # the written config re-runs to the same result
    again = _simulate(out / "config.toml", "--out", tmp_path / "again", "--seed", 5, "--json")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again" / "observables.csv").read_text() == \
        (out / "observables.csv").read_text()


@pytest.mark.parametrize("text, key", [
    ("[geometry]\nradius_nm = 3.0\n", "geometry.radius_nm"),
    ("[temperature]\ntemperature_K = -20.0\n", "temperature.temperature_K"),
    ("[geometry]\nradii_nm = [2.0, 2.0]\ncore_radii_nm = [1.0, 1.0]\n"
     "centers_nm = [[4.0, 4.0, 3.0], [6.0, 4.0, 3.0]]\nbox_nm = [12.0, 8.0, 8.0]\n",
     "geometry.centers_nm"),
    ("[geometry]\nradii_nm = [2.0, 2.0]\ncore_radii_nm = [1.0, 1.0]\n"
     "centers_nm = [[4.0, 4.0, 3.0], [11.0, 4.0, 3.0]]\nbox_nm = [12.0, 8.0, 8.0]\n",
     "geometry.centers_nm[1]"),
    ("[beam]\ndose_rate_e_per_A2_s = -1.0\n", "beam.dose_rate_e_per_A2_s"),
    ("[flux]\nx = 1\n", "[flux]"),
])
def test_bad_config_is_one_line_naming_the_key_and_writes_nothing(tmp_path, text, key):
    cfg = _toml(tmp_path / "bad.toml", text)
    out = tmp_path / "out"
    p = _simulate(cfg, "--preset", "tang2023-demo", "--out", out)
    assert p.returncode == 2
    err = p.stderr.strip()
    assert "\n" not in err and key in err and "Traceback" not in err, err
    assert not out.exists()


def test_sigkill_then_resume_gives_the_uninterrupted_observables(tmp_path):
    cfg = _toml(tmp_path / "run.toml", "[run]\nuntil_s = 120.0\nevery_s = 1.0\n"
                "snapshot_every = 5\ncheckpoint_every_events = 500000\n")
    ref = tmp_path / "ref"
    p = _simulate(cfg, "--preset", "tang2023-demo", "--out", ref, "--seed", 9)
    assert p.returncode == 0, p.stderr
    expected = (ref / "observables.csv").read_text()
    n_rows = len(expected.splitlines()) - 1
    assert n_rows == 121

    out = tmp_path / "killed"
    proc = subprocess.Popen([*CLI, "simulate", str(cfg), "--preset", "tang2023-demo",
                             "--out", str(out), "--seed", "9"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    killed_rows = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            obs = out / "observables.csv"
            if obs.is_file():
                killed_rows = len(obs.read_text().splitlines()) - 1
                if killed_rows >= 8:
                    break
            time.sleep(0.01)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # whatever was on disk at the kill is whole: a header and complete rows
    partial = (out / "observables.csv").read_text()
    assert 1 <= len(partial.splitlines()) - 1 < n_rows
    assert expected.startswith(partial)
    assert not [f for f in out.iterdir() if f.name.startswith(".") or f.suffix == ".tmp"]

    p = _simulate("--out", out, "--resume")
    assert p.returncode == 0, p.stderr
    assert (out / "observables.csv").read_text() == expected
    a, b = read_index(ref), read_index(out)
    assert [r[:3] for r in a] == [r[:3] for r in b]
    np.testing.assert_array_equal(read_snapshot(a[-1][3]).positions_nm,
                                  read_snapshot(b[-1][3]).positions_nm)


def test_resume_without_checkpoint_is_an_error(tmp_path):
    p = _simulate("--out", tmp_path / "nothing", "--resume")
    assert p.returncode == 2 and "checkpoint" in p.stderr


def test_resume_with_a_later_until_extends_the_run_exactly(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _simulate("--preset", "tang2023-demo", "--out", a, "--until-s", 20).returncode == 0
    p = _simulate("--out", a, "--resume", "--until-s", 40)
    assert p.returncode == 0, p.stderr
    assert _simulate("--preset", "tang2023-demo", "--out", b, "--until-s", 40).returncode == 0
    assert (a / "observables.csv").read_text() == (b / "observables.csv").read_text()
    assert "until_s = 40.0" in (a / "config.toml").read_text()


def test_set_overrides_one_value_and_is_written_to_config(tmp_path):
    out = tmp_path / "sim"
    p = _simulate("--preset", "tang2023-demo", "--out", out, "--until-s", 2, "--every-s", 1,
                  "--set", "carbon.enabled=true", "--set", "carbon.growth_time_s=5.0")
    assert p.returncode == 0, p.stderr
    written = (out / "config.toml").read_text()
    import tomllib
    cfg = tomllib.loads(written)
    assert cfg["carbon"]["enabled"] is True and cfg["carbon"]["growth_time_s"] == 5.0
    # the shell grows as 1 - exp(-t / 5 s): coverage at 2 s is recorded in observables
    last = (out / "observables.csv").read_text().splitlines()
    header, row = last[0].split(","), last[-1].split(",")
    assert float(row[header.index("carbon_coverage")]) == pytest.approx(
        1 - np.exp(-2.0 / 5.0), abs=0.1)


@pytest.mark.parametrize("item, words", [
    ("carbon.enabled", "SECTION.KEY=VALUE"),
    ("carbonenabled=true", "SECTION.KEY=VALUE"),
    ("carbon.enabled=yes please", "not a TOML value"),
    ("nosuch.key=1", "nosuch"),
])
def test_bad_set_is_one_line_exit_2_nothing_written(tmp_path, item, words):
    out = tmp_path / "sim"
    p = _simulate("--preset", "tang2023-demo", "--out", out, "--set", item)
    assert p.returncode == 2
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and words in lines[0], p.stderr
    assert not out.exists() or not any(out.iterdir())
