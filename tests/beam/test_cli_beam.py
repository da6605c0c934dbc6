"""``nanosinter beam``: JSON contract, table, plot and bad input (one line, exit 2)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from nanosinter.cli.main import main

CONTRACT_KEYS = {
    "element", "Z", "mass_u", "E_max_eV", "surface_binding_eV", "threshold_angle_deg",
    "displacement_energy_eV", "displacement_threshold_kV", "sputter_threshold_kV",
    "sigma_displacement_barn", "sigma_sputter_barn",
}


def _run(argv, capsys):
    """Exit code (argparse errors raise SystemExit), stdout, stderr."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_json_contract_paper_case(capsys):
    code, out, err = _run(["beam", "Cd", "Se", "S", "--kv", "300", "--energies", "tang2023",
                           "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["kV"] == 300.0
    recs = {r["element"]: r for r in data["elements"]}
    assert list(recs) == ["Cd", "Se", "S"]
    for rec in recs.values():
        assert CONTRACT_KEYS <= set(rec)
        assert "sputter_rate_per_s" not in rec
    assert recs["Cd"]["threshold_angle_deg"] == pytest.approx(40.33, abs=0.005)
    assert recs["Se"]["threshold_angle_deg"] == pytest.approx(85.94, abs=0.005)
    assert recs["S"]["threshold_angle_deg"] == pytest.approx(54.83, abs=0.005)
    assert recs["S"]["E_max_eV"] == pytest.approx(26.561, abs=1.5e-3)
    assert recs["Cd"]["Z"] == 48
    # Default E_d = 5/3 E_s (Egerton et al. 2010).
    assert recs["Se"]["displacement_energy_eV"] == pytest.approx(5.01 * 5 / 3)
    # Cd (48) and Se (34) are beyond McKinley-Feshbach's validity: noted, not a traceback.
    assert any("Z = 34, 48" in w for w in data["warnings"])
    assert err.count("\n") == 1 and "note:" in err and "Traceback" not in err


def test_rates_with_dose_rate_and_current_density(capsys):
    _, out1, _ = _run(["beam", "S", "--kv", "300", "--dose-rate-e-per-A2-s", "624.150907",
                       "--json"], capsys)
    _, out2, _ = _run(["beam", "S", "--kv", "300", "--current-density-A-per-cm2", "1",
                       "--json"], capsys)
    r1, r2 = json.loads(out1)["elements"][0], json.loads(out2)["elements"][0]
    assert r1["sputter_rate_per_s"] == pytest.approx(r2["sputter_rate_per_s"], rel=1e-6)
    assert r1["sputter_rate_per_s"] == pytest.approx(r1["sigma_sputter_barn"] * 1e-8 * 624.150907)
    assert r1["displacement_rate_per_s"] == pytest.approx(
        r1["sigma_displacement_barn"] * 1e-8 * 624.150907)


def test_unreachable_is_null_not_nan(capsys):
    code, out, _ = _run(["beam", "Cd", "C", "--kv", "80", "--surface-energy-ev", "50", "7.4",
                         "--json"], capsys)
    assert code == 0
    assert "NaN" not in out
    cd, c = json.loads(out)["elements"]
    assert cd["threshold_angle_deg"] is None and cd["reachable"] is False
    assert cd["sigma_sputter_barn"] == 0.0
    expected = 2 * math.degrees(math.asin(math.sqrt(7.4 / 15.7595)))  # E_max(C, 80 kV)
    assert c["threshold_angle_deg"] == pytest.approx(expected, abs=0.005)
    assert c["surface_binding_eV"] == 7.4


def test_overrides_pair_in_order(capsys):
    _, out, _ = _run(["beam", "S", "Cd", "--kv", "300", "--surface-energy-ev", "2", "1",
                      "--displacement-energy-ev", "25", "20", "--json"], capsys)
    s, cd = json.loads(out)["elements"]
    assert (s["surface_binding_eV"], cd["surface_binding_eV"]) == (2.0, 1.0)
    assert (s["displacement_energy_eV"], cd["displacement_energy_eV"]) == (25.0, 20.0)
    assert cd["sigma_displacement_barn"] == 0.0  # E_max(Cd, 300 kV) = 7.6 eV < 20 eV


def test_model_rutherford_and_no_warning(capsys):
    code, out, err = _run(["beam", "C", "--kv", "200", "--surface-energy-ev", "10",
                           "--displacement-energy-ev", "10", "--model", "rutherford", "--json"],
                          capsys)
    rec = json.loads(out)["elements"][0]
    assert code == 0 and err == ""
    # Egerton sigdis, A = 12.011 here instead of 12: Rutherford 66.93 b (spherical), 21.65 b.
    assert rec["sigma_displacement_barn"] == pytest.approx(66.93, rel=3e-3)
    assert rec["sigma_sputter_barn"] == pytest.approx(21.65, rel=3e-3)


def test_text_table(capsys):
    code, out, _ = _run(["beam", "Cd", "Se", "S", "--kv", "300", "--energies", "tang2023"],
                        capsys)
    assert code == 0
    lines = out.splitlines()
    assert "300 keV" in lines[0]
    row = {ln.split()[0]: ln.split() for ln in lines[2:5]}
    assert row["Cd"][5] == "40.33" and row["Se"][5] == "85.94" and row["S"][5] == "54.83"


def test_plot_written(tmp_path, capsys):
    png = tmp_path / "fig3h.png"
    code, out, _ = _run(["beam", "Cd", "Se", "S", "--kv", "300", "--energies", "tang2023",
                         "--plot", str(png), "--json"], capsys)
    assert code == 0 and json.loads(out)["plot"] == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


BAD = [
    (["beam", "Xx", "--kv", "300"], "Xx"),
    (["beam", "Cd", "--kv", "0"], "--kv"),
    (["beam", "Cd", "--kv", "-300"], "--kv"),
    (["beam", "Cd", "--kv", "abc"], "--kv"),
    (["beam", "Cd", "--kv", "nan"], "--kv"),
    (["beam", "Cd", "Se", "--kv", "300", "--surface-energy-ev", "1"], "pair"),
    (["beam", "Cd", "--kv", "300", "--surface-energy-ev", "-1"], "--surface-energy-ev"),
    (["beam", "Cd", "--kv", "300", "--displacement-energy-ev", "0"], "--displacement-energy-ev"),
    (["beam", "Cd", "--kv", "300", "--displacement-energy-ev", "x"], "--displacement-energy-ev"),
    (["beam", "Cd", "--kv", "300", "--dose-rate-e-per-A2-s", "-5"], "--dose-rate"),
    (["beam", "Cd", "--kv", "300", "--energies", "nist"], "energies"),
    (["beam", "Cd", "--kv", "300", "--model", "mott"], "model"),
    (["beam", "C", "--kv", "300", "--energies", "tang2023"], "tang2023"),
    (["beam", "Cd", "--kv", "300", "--dose-rate-e-per-A2-s", "1",
      "--current-density-A-per-cm2", "1"], "not allowed"),
    (["beam", "Cd"], "--kv"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD)
def test_bad_input_one_line_exit_2(argv, needle, capsys):
    code, out, err = _run(argv, capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert needle in err and "Traceback" not in err


def test_bad_input_through_subprocess():
    res = subprocess.run([sys.executable, "-m", "nanosinter.cli.main", "beam", "Cd", "Se",
                          "--kv", "300", "--displacement-energy-ev", "5"],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and "pair" in res.stderr
