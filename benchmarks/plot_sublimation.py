"""Sublimation check figure: simulated vs Hertz-Knudsen + Kelvin evaporation rate of a free
sphere against its radius (docs/images/kmc_sublimation_hk.png; run by hand, ~2-5 min).

Usage::

    .venv/bin/python benchmarks/plot_sublimation.py [--radii 1 1.5 2 3 4 6 8 10]
        [--out docs/images/kmc_sublimation_hk.png]
"""

from __future__ import annotations

import argparse
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from nanosinter.kmc import preset
from nanosinter.kmc._sublimation import sublimation_rates
from nanosinter.kmc._vapour import hk_kelvin_rate_per_s, lattice_constants


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--radii", type=float, nargs="+", default=[1, 1.5, 2, 3, 4, 6, 8, 10])
    ap.add_argument("--out", default="docs/images/kmc_sublimation_hk.png")
    a = ap.parse_args()
    rows = []
    for r in a.radii:
        d = sublimation_rates(r, window=0.02 if r > 5 else 0.04)
        rows.append(d)
        print(f"r0 = {r:5.2f} nm  N = {d['n_atoms']:9.0f}  r = {d['radius_nm']:.3f} nm  "
              f"simulated {d['simulated_per_s']:.4g}/s  HK+Kelvin {d['predicted_per_s']:.4g}/s  "
              f"ratio {d['simulated_per_s'] / d['predicted_per_s']:.3f}", flush=True)
    cfg = preset("tang2023-anneal")
    en, v = cfg["energy"], cfg["vapour"]
    lc = lattice_constants(lattice_constant_nm=cfg["geometry"]["lattice_constant_nm"],
                           bond_nn_eV=en["bond_nn_eV"], bond_nnn_eV=en["bond_nnn_eV"])
    rr = np.geomspace(0.8, 12, 200)
    n = 4 * math.pi * rr**3 / (3 * lc.atomic_volume_nm3)
    kw = dict(temperature_K=553.0, lc=lc, evaporation_offset_eV=v["evaporation_offset_eV"],
              attempt_frequency_Hz=en["attempt_frequency_Hz"])
    pred = hk_kelvin_rate_per_s(n, **kw)
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(6, 6.5), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 1.3]})
    ax.loglog(rr, pred, "k-", label="Hertz-Knudsen + Kelvin (lattice constants)")
    ax.loglog(rr, pred * np.exp(-2 * lc.surface_energy_eV_per_nm2 * lc.atomic_volume_nm3
                                / (rr * 8.617333e-5 * 553.0)), "k:", label="without Kelvin")
    ax.fill_between(rr, pred / 2, pred * 2, color="0.85", label="factor of 2")
    rs = np.array([d["radius_nm"] for d in rows])
    sim = np.array([d["simulated_per_s"] for d in rows])
    ax.loglog(rs, sim, "o", color="C3", label="KMC, free sphere in vacuum")
    ax.set_ylabel("evaporation rate (atoms/s)")
    ax.set_title("Sublimation at 553 K: simulated vs predicted (no fit)")
    ax.legend(fontsize=8)
    bx.semilogx(rs, sim / np.array([d["predicted_per_s"] for d in rows]), "o", color="C3")
    bx.axhline(1, color="k", lw=0.8)
    bx.axhspan(0.5, 2, color="0.85")
    bx.set_ylim(0.4, 2.2)
    bx.set_ylabel("simulated / predicted")
    bx.set_xlabel("volume-equivalent radius (nm)")
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
