"""write_beam_report: files, contents and the comparison with the paper."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nanosinter.beam.report import PAPER_THRESHOLD_ANGLES_DEG, write_beam_report


def test_write_beam_report(tmp_path):
    paths = write_beam_report(tmp_path / "beam")
    assert set(paths) >= {"table", "json", "figure"}
    with open(paths["table"], newline="") as fh:
        rows = {r["element"]: r for r in csv.DictReader(fh)}
    assert list(rows) == ["Cd", "Se", "S"]
    assert float(rows["Cd"]["threshold_angle_deg"]) == pytest.approx(40.33, abs=0.005)
    assert float(rows["S"]["sputter_rate_per_s"]) == pytest.approx(
        float(rows["S"]["sigma_sputter_barn"]) * 1e-8 * 1000.0)

    data = json.loads(Path(paths["json"]).read_text())
    assert data["kV"] == 300.0 and data["dose_rate_e_per_A2_s"] == 1000.0
    comp = {c["element"]: c for c in data["paper_threshold_angles"]}
    for sym, wrong in PAPER_THRESHOLD_ANGLES_DEG.items():
        assert comp[sym]["claimed_angle_deg"] == wrong
        assert abs(comp[sym]["eq1_angle_deg"] - wrong) > 10
    assert set(data["energies_by_dataset"]) == {"crc", "srim", "tang2023"}
    crc = {r["element"]: r for r in data["energies_by_dataset"]["crc"]}
    assert crc["Cd"]["surface_binding_eV"] == pytest.approx(1.159, abs=1e-3)
    assert 1.0 < data["ionisation"]["collision_stopping_MeV_cm2_per_g"] < 2.0
    assert data["ionisation"]["dose_rate_Gy_per_s"] > 1e8

    with open(paths["datasets"], newline="") as fh:
        ds = list(csv.DictReader(fh))
    assert len(ds) == 9 and {r["dataset"] for r in ds} == {"crc", "srim", "tang2023"}
    assert Path(paths["figure"]).read_bytes()[:4] == b"\x89PNG"
    # Nothing temporary left behind.
    assert sorted(p.name for p in (tmp_path / "beam").iterdir()) == sorted(
        ["beam.json", "beam_datasets.csv", "beam_table.csv", "fig3h.png"])


def test_report_other_energy_and_elements(tmp_path):
    paths = write_beam_report(tmp_path, beam_energy_keV=80.0, elements=("C", "Si"),
                              energies="srim", dose_rate_e_per_A2_s=50.0)
    data = json.loads(Path(paths["json"]).read_text())
    assert data["paper_threshold_angles"] == []
    assert set(data["energies_by_dataset"]) == {"crc", "srim"}
    assert data["warnings"] == []
