"""Sublimation check: a free sphere's evaporation rate into vacuum, simulated and predicted.

The prediction is Hertz-Knudsen with the Kelvin correction for the lattice's own constants
(:func:`nanosinter.kmc._vapour.hk_kelvin_rate_per_s`); the simulated rate counts evaporation
events over the simulated time of a window, after the digitised sphere's surface has relaxed
(a fraction *relax* of its atoms evaporated first). Used by tests/kmc/test_sublimation.py and
benchmarks/plot_sublimation.py (docs/images/kmc_sublimation_hk.png).

References
----------
.. [1] M. Knudsen, Ann. Phys. 352, 697 (1915). doi:10.1002/andp.19153521306
.. [2] W. Thomson, Phil. Mag. 42, 448 (1871). doi:10.1080/14786447108640606
"""

from __future__ import annotations

import copy
import math
from typing import Any

from nanosinter.kmc._config import preset, resolve
from nanosinter.kmc._engine import STOP_FROZEN
from nanosinter.kmc._sim import Simulation
from nanosinter.kmc._vapour import hk_kelvin_rate_per_s


def sphere_config(radius_nm: float, *, temperature_K: float = 553.0,
                  base: str = "tang2023-anneal") -> dict[str, dict[str, Any]]:
    """One free CdS sphere in vacuum (no support, beam or bridge), evaporation on, with the
    energies of preset *base*."""
    cfg = copy.deepcopy(preset(base))
    side = 2 * radius_nm + 2.0
    cfg["geometry"].update(radii_nm=[radius_nm], core_radii_nm=[0.0], truncation_nm=0.0,
                           centers_nm=[[side / 2] * 3], box_nm=[side] * 3)
    cfg["support"]["enabled"] = False
    cfg["bridge"]["enabled"] = False
    cfg["beam"]["enabled"] = False
    cfg["temperature"].update(temperature_K=temperature_K, program_times_s=[],
                              program_temperatures_K=[])
    cfg["vapour"].update(enabled=True, condensation=False)
    return resolve(cfg)


def sublimation_rates(radius_nm: float, *, temperature_K: float = 553.0, seed: int = 1,
                      relax: float = 0.02, window: float = 0.04, min_events: int = 400
                      ) -> dict[str, float]:
    """Simulated and HK + Kelvin evaporation rates (atoms/s) of a sphere of *radius_nm*.

    Each trajectory relaxes (a fraction *relax* of the atoms evaporates), then counts a
    *window* fraction of them (at least 5); independent seeds are added until at least
    *min_events* evaporations are counted (Poisson error <= 5 %). Rates at the mean atom count.

    Returns
    -------
    dict
        ``simulated_per_s``, ``predicted_per_s``, ``n_atoms`` (mean over the windows),
        ``radius_nm`` (volume-equivalent, at that mean), ``events``, ``trajectories``.
    """
    cfg = sphere_config(radius_nm, temperature_K=temperature_K)
    n_evap, dt, n_sum, events, k = 0, 0.0, 0.0, 0, 0
    while n_evap < min_events:
        sim = Simulation(cfg, seed=seed + k)
        k += 1
        n0 = sim.n_atoms
        chunk = min(100_000, max(500, n0 // 2))

        def run_until(n_target: int, sim: Simulation = sim, chunk: int = chunk) -> None:
            while sim.counts["n_evaporated"] < n_target:
                if sim.advance(max_events=sim.events + chunk, t_stop=math.inf) == STOP_FROZEN:
                    raise RuntimeError(f"sphere of {radius_nm} nm evaporated completely")

        run_until(int(relax * n0) + 2)
        e0, t0, n_a = sim.counts["n_evaporated"], sim.time_s, sim.n_atoms
        run_until(e0 + int(window * n0) + 5)
        de = sim.counts["n_evaporated"] - e0
        n_evap += de
        dt += sim.time_s - t0
        n_sum += de * 0.5 * (n_a + sim.n_atoms)
        events += sim.events
    rate = n_evap / dt
    n_mid = n_sum / n_evap
    pred = float(hk_kelvin_rate_per_s(
        n_mid, temperature_K=temperature_K, lc=sim.lattice,
        evaporation_offset_eV=cfg["vapour"]["evaporation_offset_eV"],
        attempt_frequency_Hz=cfg["energy"]["attempt_frequency_Hz"]))
    r = (3 * n_mid * sim.lattice.atomic_volume_nm3 / (4 * math.pi)) ** (1 / 3)
    return {"simulated_per_s": rate, "predicted_per_s": pred, "n_atoms": n_mid,
            "radius_nm": r, "events": events, "trajectories": k}
