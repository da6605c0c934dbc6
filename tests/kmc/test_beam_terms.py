"""The beam enters the KMC through per-species, per-coordination knock-on rates.

The rate tables must equal sigma x J from :mod:`nanosinter.beam` at the escape energy of each
(species, n1, n2), so Cd, Se and S differ as in Tang et al. (2023) Figure 3h, and an engine with
thermal motion frozen must execute beam hops and sputtering at those rates.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from kmc_helpers import small_config

import nanosinter.beam as beam
from nanosinter.kmc import Simulation, preset
from nanosinter.kmc import _engine as E
from nanosinter.kmc._rates import beam_rates, escape_energy_eV
from nanosinter.materials import element


def _tables(cfg):
    en = cfg["energy"]
    return beam_rates(**cfg["beam"], bond_nn_eV=en["bond_nn_eV"], bond_nnn_eV=en["bond_nnn_eV"])


def test_rate_tables_are_cross_section_times_dose_rate():
    cfg = preset("tang2023-dimer")
    b = cfg["beam"]
    en = cfg["energy"]
    tab = _tables(cfg)
    from nanosinter.kmc._rates import _beam_api

    _, mat = _beam_api()
    for i, sym in enumerate(("Cd", "Se", "S")):
        el = element(sym)
        es = mat.surface_binding_energy_eV(sym, b["binding_dataset"])
        esc = escape_energy_eV(es, bond_nn_eV=en["bond_nn_eV"], bond_nnn_eV=en["bond_nnn_eV"])
        for n1, n2 in ((1, 3), (2, 6), (3, 9)):
            # kink (2, 6) escape energy is the element's surface binding energy
            if (n1, n2) == (2, 6):
                assert esc[n1, n2] == pytest.approx(es)
            sig_sp = beam.sputter_cross_section_barn(
                b["beam_energy_keV"], el.Z, el.mass_u, esc[n1, n2], warn=False)
            sig_hop = beam.displacement_cross_section_barn(
                b["beam_energy_keV"], el.Z, el.mass_u, b["hop_fraction"] * esc[n1, n2],
                warn=False)
            k_sp = beam.event_rate_per_s(sig_sp, dose_rate_e_per_A2_s=b["dose_rate_e_per_A2_s"])
            k_hop = beam.event_rate_per_s(sig_hop,
                                          dose_rate_e_per_A2_s=b["dose_rate_e_per_A2_s"])
            assert tab.sputter_per_s[i, n1, n2] == pytest.approx(k_sp, rel=1e-12)
            assert tab.hop_per_s[i, n1, n2] == pytest.approx(k_hop - k_sp, rel=1e-12)
    # species differ (lightest binding, Cd, moves most at the same coordination) and better
    # bound atoms move less
    kink = tab.hop_per_s[:, 2, 6]
    assert kink[0] > kink[1] > kink[2] > 0
    assert np.all(np.diff(tab.hop_per_s[:, 1:, :].max(axis=2), axis=1) < 0)
    # 1 e/(A^2 s) = 1e-8 / barn: a kink S atom at 20 e/(A^2 s) is hit ~ once per 10^4 s
    assert 1e-5 < tab.hop_per_s[2, 2, 6] < 1e-3


def test_beam_off_or_zero_dose_gives_no_beam_events():
    cfg = preset("tang2023-demo")
    cfg["beam"]["dose_rate_e_per_A2_s"] = 0.0
    assert not _tables(cfg).hop_per_s.any() and not _tables(cfg).sputter_per_s.any()


def test_frozen_thermal_motion_leaves_beam_events_at_the_tabulated_rates():
    cfg = small_config(radii=(1.4, 1.4), gap_nm=0.6, beam=True, sputtering=True,
                       saddle_eV=5.0, until_s=1.0)
    cfg["beam"]["dose_rate_e_per_A2_s"] = 2e3
    sim = Simulation(cfg, seed=4)
    s = sim.s
    # expected sputter count over a short window: sum over listed atoms of k_sput
    expected_rate = float((s.ccount * sim.cpart[:, E.P_SPUTTER]).sum())
    beam_rate = float((s.ccount * sim.cpart[:, E.P_BEAM]).sum())
    t = 50.0 / expected_rate            # ~50 sputter events: the surface changes little
    sim.advance(max_events=10**9, t_stop=t)
    c = sim.counts
    assert c["n_thermal"] == 0                      # 5 eV saddle: thermal hops frozen
    assert c["n_beam"] > 0
    assert abs(c["n_sputter"] - 50.0) < 4 * math.sqrt(50.0)
    # executed beam hops <= attempted (knocks into occupied sites do nothing)
    assert c["n_beam"] <= beam_rate * t + 5 * math.sqrt(beam_rate * t)
    assert sim.n_atoms == sim.n_atoms_initial - c["n_sputter"]
