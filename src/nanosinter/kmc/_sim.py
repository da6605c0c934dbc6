"""The simulation state: building the particles, advancing the engine, checkpoints.

:class:`Simulation` owns the NumPy arrays the numba engine works on. Everything that decides the
trajectory (site occupancy, class lists, rate sums, random state, clock, counters) is in those
arrays, so a checkpoint of them resumes bit for bit.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter.errors import ConfigError, FileFormatError
from nanosinter.kmc import _engine as E
from nanosinter.kmc._carbon import carbon_coverage, mobility_factor, next_step_s, step_coverage
from nanosinter.kmc._config import resolve, temperature_at, temperature_breaks
from nanosinter.kmc._lattice import SPECIES, Grid, empty_grid, grid_for_box, support_mask
from nanosinter.kmc._migration import Migration, anchor_sites, body_radius_nm
from nanosinter.kmc._observe import _label, dimer_observables
from nanosinter.kmc._rates import beam_rates, thermal_rates
from nanosinter.kmc._vapour import condensation_coefficients, evaporation_rates, lattice_constants
from nanosinter.kmc.snapshots import Snapshot


def build_occupancy(cfg: dict[str, dict[str, Any]]) -> tuple[Grid, np.ndarray]:
    """Grid and initial occupancy (species codes) of the configured particles.

    Cation sites inside a sphere hold Cd; anion sites hold ``core_species`` within the core
    radius and ``shell_species`` outside. Sites below the support (z < 0) are walls.
    """
    g = cfg["geometry"]
    grid = grid_for_box(tuple(g["box_nm"]), g["lattice_constant_nm"])
    occ = empty_grid(grid)
    idx = np.flatnonzero(occ == 0)
    pos = grid.positions_nm(idx)
    is_anion = idx >= grid.n_cells
    code = {s: i + 1 for i, s in enumerate(SPECIES)}
    for c, r, rc in zip(g["centers_nm"], g["radii_nm"], g["core_radii_nm"], strict=True):
        d2 = ((pos - np.asarray(c)) ** 2).sum(axis=1)
        inside = d2 <= r * r
        core = d2 <= rc * rc
        sp = np.where(is_anion, np.where(core, code[g["core_species"]],
                                         code[g["shell_species"]]), code["Cd"])
        occ[idx[inside]] = sp[inside]
    return grid, occ


def adhesion_sites(cfg: dict[str, dict[str, Any]], grid: Grid) -> np.ndarray:
    """uint8 flag per site: 1 where an atom gains the adhesion energy.

    Two kinds of site: the bottom cation layer touching the support (``support.enabled``), and
    the carbon/ligand bridge between particles (``bridge.enabled``): sites outside the particles
    whose distances d_i, d_j to the surfaces of two particles satisfy d_i + d_j <= 2 t
    (t = ``bridge.shell_nm``, the gap region spanned by their carbon shells) and that lie within
    ``bridge.radius_nm`` of the line joining their centres (the shells join where the particles
    are closest). It exists only between particles closer than 2 t. Tang et al. (2023) see a
    carbon shell on the particles from the start of irradiation and sintering only across gaps
    of 1-2 nm; the bridge is how this model lets surface atoms cross such a gap (docs/kmc.md).

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
    """
    flag = np.zeros(grid.n_entries, np.uint8)
    if cfg["support"]["enabled"]:
        flag[support_mask(grid)] = 1
    br = cfg["bridge"]
    g = cfg["geometry"]
    if br["enabled"] and len(g["radii_nm"]) > 1:
        occ = empty_grid(grid)
        idx = np.flatnonzero(occ == 0)
        pos = grid.positions_nm(idx)
        shell = float(br["shell_nm"])
        dist = [np.sqrt(((pos - np.asarray(c)) ** 2).sum(axis=1)) - r
                for c, r in zip(g["centers_nm"], g["radii_nm"], strict=True)]
        width = float(br["radius_nm"])
        bridge = np.zeros(idx.size, dtype=bool)
        centers = np.asarray(g["centers_nm"], dtype=float)
        for i in range(len(dist)):
            for j in range(i):
                axis = centers[i] - centers[j]
                axis /= np.linalg.norm(axis)
                rel = pos - centers[j]
                rho = np.linalg.norm(rel - np.outer(rel @ axis, axis), axis=1)
                bridge |= ((dist[i] > 0) & (dist[j] > 0) & (dist[i] + dist[j] <= 2 * shell)
                           & (rho <= width))
        flag[idx[bridge]] = 1
    return flag


@dataclass
class _State:
    st: np.ndarray
    cs: np.ndarray
    pool: np.ndarray
    cstart: np.ndarray
    ccap: np.ndarray
    ccount: np.ndarray
    bsum: np.ndarray
    fs: np.ndarray
    ci: np.ndarray
    rng: np.ndarray
    es: np.ndarray
    elist: np.ndarray


class Simulation:
    """A KMC run of the configured particles.

    Parameters
    ----------
    config : dict
        Configuration (validated with :func:`nanosinter.kmc.resolve_config`).
    seed : int, keyword-only
        Seed of the random stream.

    Attributes
    ----------
    time_s, events, n_atoms : float, int, int
        Clock, executed events, current atom count.
    """

    def __init__(self, config: dict[str, dict[str, Any]], *, seed: int = 0) -> None:
        self.config = resolve(config)
        self.seed = int(seed)
        self.grid, occ = build_occupancy(self.config)
        self.sup = adhesion_sites(self.config, self.grid)
        self.offsets = self.grid.offsets()
        self.nbr = E.neighbour_table(*self.offsets)
        self.n_atoms_initial = int(((occ != 0) & (occ != 255)).sum())
        if self.n_atoms_initial == 0:
            raise ConfigError("geometry: the particles contain no lattice sites")
        if self.n_atoms_initial >= E.MAX_LISTED:
            raise ConfigError(f"geometry: {self.n_atoms_initial} atoms exceed the engine's "
                              f"limit of {E.MAX_LISTED - 1}")
        en = self.config["energy"]
        self.beam = beam_rates(**self.config["beam"], bond_nn_eV=en["bond_nn_eV"],
                               bond_nnn_eV=en["bond_nnn_eV"])
        self.ctab = E.class_table()
        vap = self.config["vapour"]
        self.vap = bool(vap["enabled"])
        self.lattice = lattice_constants(
            lattice_constant_nm=self.config["geometry"]["lattice_constant_nm"],
            bond_nn_eV=en["bond_nn_eV"], bond_nnn_eV=en["bond_nnn_eV"])
        self.volume_nm3 = float(np.prod(self.config["geometry"]["box_nm"]))
        self.temperature_K = temperature_at(self.config, 0.0)
        self._mobility = self._carbon_mobility(0.0)
        self._set_rates(self.temperature_K)
        self._init_state(occ, E.seed_state(self.seed))
        self.migration: Migration | None = None
        if self.config["migration"]["enabled"]:
            anchors = anchor_sites(occ, self.grid.positions_nm, self.config["geometry"]
                                   ["centers_nm"])
            self.migration = Migration(self.config, self.grid, anchors, self.seed)
            lab = _label(occ, *self.offsets, self.grid.n_cells)
            sizes = np.bincount(lab)
            sizes[0] = 0
            self.migration.schedule(0.0, float(self.migration.body_rates(
                sizes, self._mobility).sum()))

    # -- set-up -------------------------------------------------------------------------------
    def _init_state(self, occ: np.ndarray, rng: np.ndarray) -> None:
        n = occ.size
        nn_c, nn_a, nnn = self.offsets
        st = E.pack_state(occ, self.sup, nn_c, nn_a, nnn, self.grid.n_cells)
        pool_size = 4 * self.n_atoms_initial + 8 * E.N_CLASSES
        ci = np.zeros(E.N_COUNTERS, np.int64)
        ci[E.C_ATOMS] = self.n_atoms_initial
        self.s = _State(
            st=st, cs=np.full(n, -1, np.int32),
            pool=np.zeros(pool_size, np.int32), cstart=np.zeros(E.N_CLASSES, np.int64),
            ccap=np.zeros(E.N_CLASSES, np.int64), ccount=np.zeros(E.N_CLASSES, np.int64),
            bsum=np.zeros(E.N_BLOCKS), fs=np.zeros(2), ci=ci, rng=rng,
            es=np.full(n if self.vap else 1, -1, np.int32),
            elist=np.zeros(n if self.vap else 1, np.int32),
        )
        self._build_classes()

    def _build_classes(self) -> None:
        s = self.s
        s.ccount[...] = 0
        s.ccap[...] = 0
        s.ci[E.C_POOLTOP] = 0
        E.build_classes(s.st, self.ctab, s.cs, s.pool, s.cstart, s.ccap, s.ccount,
                        self.crate, s.bsum, s.fs, s.ci)
        if self.vap:
            E.build_condensation_sites(s.st, s.es, s.elist, s.ci, self.grid.n_cells)

    def set_occupancy(self, occ: np.ndarray) -> None:
        """Replace the occupancy (species codes, walls 255 where the grid has walls) and rebuild
        the counts and class lists; clock, counters and random stream are kept."""
        occ = np.asarray(occ, dtype=np.uint8)
        if occ.shape != self.s.st.shape or not np.array_equal(occ == 255,
                                                              self.s.st == E.WALL):
            raise ConfigError("set_occupancy: the occupancy does not match the grid")
        nn_c, nn_a, nnn = self.offsets
        self.s.st[...] = E.pack_state(occ, self.sup, nn_c, nn_a, nnn, self.grid.n_cells)
        n_atoms = int(((occ != 0) & (occ != 255)).sum())
        self.s.ci[E.C_ATOMS] = n_atoms
        if self.s.pool.size < 4 * n_atoms + 8 * E.N_CLASSES:
            self.s.pool = np.zeros(4 * n_atoms + 8 * E.N_CLASSES, np.int32)
        self._build_classes()

    def _thermal(self, temperature_K: float) -> np.ndarray:
        en = self.config["energy"]
        sup = self.config["support"]
        return thermal_rates(
            temperature_K=temperature_K, bond_nn_eV=en["bond_nn_eV"],
            bond_nnn_eV=en["bond_nnn_eV"], saddle_eV=en["saddle_eV"],
            adhesion_eV=sup["adhesion_eV"],
            attempt_frequency_Hz=en["attempt_frequency_Hz"])

    def _set_rates(self, temperature_K: float) -> None:
        """Per-class total rates ``crate`` and their split ``cpart`` (thermal, beam, sputter,
        evaporation), and the condensation coefficients ``kc`` per species."""
        k_th = self._thermal(temperature_K)
        kb = self.beam.hop_per_s
        ks = self.beam.sputter_per_s
        vap = self.config["vapour"]
        k_ev = np.zeros((5, 13, 2))
        self.kc = np.zeros(3)
        if self.vap:
            en = self.config["energy"]
            k_ev = evaporation_rates(
                temperature_K=temperature_K, bond_nn_eV=en["bond_nn_eV"],
                bond_nnn_eV=en["bond_nnn_eV"], adhesion_eV=self.config["support"]["adhesion_eV"],
                evaporation_offset_eV=vap["evaporation_offset_eV"],
                attempt_frequency_Hz=en["attempt_frequency_Hz"])
            if vap["condensation"]:
                self.kc = condensation_coefficients(
                    temperature_K=temperature_K, sticking_coefficient=vap["sticking_coefficient"],
                    volume_nm3=self.volume_nm3,
                    sites_per_nm2=self.lattice.condensation_sites_per_nm2)
        part = np.zeros((E.N_CLASSES, E.N_PARTS))
        for c in range(E.N_CLASSES):
            sp, a, b, on = E.decode_class(c)
            part[c, E.P_THERMAL] = (E.N_DIRECTIONS - b) * k_th[a, b, on]
            part[c, E.P_BEAM] = kb[sp - 1, a, b]
            part[c, E.P_SPUTTER] = ks[sp - 1, a, b]
            part[c, E.P_EVAP] = k_ev[a, b, on]
        if self._mobility != 1.0:  # carbon shell (nanosinter.kmc._carbon)
            part[:, E.P_THERMAL] *= self._mobility
            part[:, E.P_BEAM] *= self._mobility
        self._k_th = k_th
        self.cpart = part
        self.crate = part.sum(axis=1)

    # -- properties ---------------------------------------------------------------------------
    @property
    def time_s(self) -> float:
        return float(self.s.fs[E.F_TIME])

    @property
    def events(self) -> int:
        """Executed events (thermal hops, beam hops, sputtering; null hops not counted)."""
        return int(self.s.ci[E.C_EVENTS])

    @property
    def null_events(self) -> int:
        """Hop attempts towards an invalid target (clock advanced, nothing moved)."""
        return int(self.s.ci[E.C_NULL])

    @property
    def n_atoms(self) -> int:
        return int(self.s.ci[E.C_ATOMS])

    @property
    def counts(self) -> dict[str, int]:
        ci = self.s.ci
        return {"n_thermal": int(ci[E.C_THERMAL]), "n_beam": int(ci[E.C_BEAM]),
                "n_sputter": int(ci[E.C_SPUTTER]), "n_evaporated": int(ci[E.C_EVAP]),
                "n_condensed": int(ci[E.C_COND]),
                "n_vapour": int(ci[E.C_VAP:E.C_VAP + 3].sum())}

    @property
    def n_vapour(self) -> np.ndarray:
        """Atoms in the vapour per species (Cd, Se, S); with ``vapour.condensation`` off, the
        atoms evaporated and pumped away."""
        return self.s.ci[E.C_VAP:E.C_VAP + 3].copy()

    @property
    def condensation_rate_per_s(self) -> float:
        """Total condensation rate now (0 without vapour)."""
        ci = self.s.ci
        if not self.vap:
            return 0.0
        return float(self.kc[0] * ci[E.C_VAP] * ci[E.C_NE_C]
                     + (self.kc[1] * ci[E.C_VAP + 1] + self.kc[2] * ci[E.C_VAP + 2])
                     * ci[E.C_NE_A])

    @property
    def evaporation_rate_per_s(self) -> float:
        """Total evaporation rate now (sum over listed atoms of their evaporation rates)."""
        return float((self.s.ccount * self.cpart[:, E.P_EVAP]).sum())

    @property
    def total_rate_per_s(self) -> float:
        return float(self.s.fs[E.F_TOTAL]) + self.condensation_rate_per_s

    def site_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(occ, n1, n2)``: species codes (0 empty, 1-3, 255 wall) and occupied nearest /
        second-neighbour counts of every grid entry (fresh uint8 arrays)."""
        return E.unpack_state(self.s.st)

    @property
    def occ(self) -> np.ndarray:
        """Species codes of every grid entry (0 empty, 1-3 = SPECIES index + 1, 255 wall)."""
        return self.site_arrays()[0]

    # -- running ------------------------------------------------------------------------------
    def set_temperature(self, temperature_K: float) -> None:
        """Change the temperature (rates and sums recomputed exactly)."""
        if temperature_K == self.temperature_K:
            return
        self.temperature_K = float(temperature_K)
        self._set_rates(self.temperature_K)
        E.resum(self.crate, self.s.ccount, self.s.bsum, self.s.fs)

    def advance(self, *, max_events: int, t_stop: float) -> int:
        """Run until ``events == max_events`` or the clock would pass *t_stop*.

        The engine is advanced in pieces that end at the steps of the temperature programme
        (``temperature.program_times_s``; the rates are held piecewise constant, each step at
        the programme's temperature at its start, :func:`temperature_at`), at the carbon-shell
        steps and at the migration candidate times (engine stops are exact: its waiting times
        are memoryless); see :mod:`nanosinter.kmc._migration`. With a programme configured it
        overrides :meth:`set_temperature` at every step; without one the temperature stays
        what :meth:`set_temperature` last set.

        Returns the engine's stop reason (``STOP_EVENTS``, ``STOP_TIME``, ``STOP_FROZEN``).
        """
        mig = self.migration
        carbon = self.config["carbon"]["enabled"]
        programme = bool(self.config["temperature"]["program_times_s"])
        if mig is None and not carbon and not programme:
            return self._advance_engine(max_events, t_stop)
        while True:
            t_end = t_stop
            if programme:
                self.set_temperature(temperature_at(self.config, self.time_s))
                breaks = temperature_breaks(self.config, self.time_s, t_stop)
                if breaks:
                    t_end = min(t_end, breaks[0])
            if carbon:
                self._set_mobility(self._carbon_mobility(self.time_s))
                t_end = min(t_end, next_step_s(self.config, self.time_s))
            if mig is not None:
                t_end = min(t_end, mig.next_time_s)
            stop = self._advance_engine(max_events, t_end)
            if stop == E.STOP_EVENTS:
                return stop
            if stop == E.STOP_FROZEN:
                if mig is None or mig.next_time_s > t_stop:
                    return stop
                self.s.fs[E.F_TIME] = mig.next_time_s  # only migration is left to happen
            if mig is not None and self.time_s >= mig.next_time_s:
                self._migration_candidate()
            if self.time_s >= t_stop:
                return E.STOP_TIME

    def _advance_engine(self, max_events: int, t_stop: float) -> int:
        s = self.s
        return int(E.run_loop(
            s.st, self.ctab, s.cs, s.pool, s.cstart, s.ccap, s.ccount, self.crate,
            self.cpart, s.bsum, s.fs, s.ci, s.rng, self.nbr, self.grid.n_cells,
            np.int64(max_events), float(t_stop), self.vap, self.kc, s.es, s.elist))

    def _migration_candidate(self) -> None:
        mig = self.migration
        occ = self.occ
        self._repair_anchors(occ)
        lab = _label(occ, *self.offsets, self.grid.n_cells)
        moved, rate = mig.candidate(occ, lab, self._mobility)
        if moved:
            self.set_occupancy(occ)
        mig.schedule(self.time_s, rate)

    def _repair_anchors(self, occ: np.ndarray) -> None:
        """Move an anchor whose site surface diffusion has emptied (only in particles of a few
        hundred atoms) to the nearest occupied site."""
        anchors = self.migration.anchors
        empty = (occ[anchors] == 0) | (occ[anchors] == 255)
        if empty.any():
            pos = self.grid.positions_nm(anchors[empty])
            anchors[empty] = anchor_sites(occ, self.grid.positions_nm, pos)

    def _carbon_mobility(self, time_s: float) -> float:
        c = self.config["carbon"]
        if not c["enabled"]:
            return 1.0
        return mobility_factor(step_coverage(self.config, time_s),
                               covered_mobility=float(c["covered_mobility"]))

    def _set_mobility(self, factor: float) -> None:
        if factor != self._mobility:
            self._mobility = float(factor)
            self._set_rates(self.temperature_K)
            E.resum(self.crate, self.s.ccount, self.s.bsum, self.s.fs)

    @property
    def carbon_coverage(self) -> float:
        """Coverage theta of the carbon shell now (NaN when the shell is off)."""
        c = self.config["carbon"]
        if not c["enabled"]:
            return math.nan
        return carbon_coverage(self.time_s, growth_time_s=float(c["growth_time_s"]))

    @property
    def carbon_shell_nm(self) -> float:
        """Thickness of the carbon shell now, theta x ``carbon.thickness_nm`` (NaN when off)."""
        return self.carbon_coverage * float(self.config["carbon"]["thickness_nm"])

    # -- observing ----------------------------------------------------------------------------
    def observables(self) -> dict[str, float]:
        """One row of ``observables.csv`` for the current state."""
        g = self.config["geometry"]
        row: dict[str, Any] = {"time_s": self.time_s, "events": self.events,
                               "n_atoms": self.n_atoms}
        occ, n1, n2 = self.site_arrays()
        centers = np.asarray(g["centers_nm"], dtype=np.float64)
        if self.migration is not None:
            self._repair_anchors(occ)
            centers = self.grid.positions_nm(self.migration.anchors)
        row.update(dimer_observables(
            occ=occ, n1=n1, n2=n2, grid=self.grid, offsets=self.offsets,
            centers_nm=centers, truncation_nm=g["truncation_nm"]))
        row.update(self.counts)
        row["temperature_K"] = self.temperature_K
        row["carbon_coverage"] = self.carbon_coverage
        row["carbon_shell_nm"] = self.carbon_shell_nm
        if self.migration is not None:
            parts = self.particles(occ)
            row["n_bodies"] = len({p["body"] for p in parts})
            row["n_migrations"] = self.migration.counts["moves"]
            row["particles"] = parts
        return row

    def particles(self, occ: np.ndarray | None = None) -> list[dict[str, Any]]:
        """Rows of ``particles.csv`` now: each initial particle's anchor (its rigid-body
        position), the body holding it (``body``: the lowest particle index in that body),
        the body's atom count, volume-equivalent radius and centre of mass (nm)."""
        if self.migration is None:
            return []
        occ = self.occ if occ is None else occ
        self._repair_anchors(occ)
        lab = _label(occ, *self.offsets, self.grid.n_cells)
        anchors = self.migration.anchors
        pos = self.grid.positions_nm(anchors)
        labels = lab[anchors]
        first = {}
        for i, lb in enumerate(labels):
            first.setdefault(int(lb), i)
        rows = []
        for i, lb in enumerate(labels):
            sites = np.flatnonzero(lab == lb) if lb > 0 else np.zeros(0, np.int64)
            com = self.grid.positions_nm(sites).mean(axis=0) if sites.size else \
                np.full(3, math.nan)
            rows.append({
                "time_s": self.time_s, "track_id": i, "x_nm": pos[i, 0], "y_nm": pos[i, 1],
                "z_nm": pos[i, 2], "body": first[int(lb)] if lb > 0 else -1,
                "body_atoms": int(sites.size),
                "body_radius_nm": float(body_radius_nm(sites.size, self.grid.lattice_constant_nm)),
                "com_x_nm": com[0], "com_y_nm": com[1], "com_z_nm": com[2]})
        return rows

    def atoms(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions (N, 3) in nm and species indices (N,) into ``SPECIES`` of all atoms."""
        occ = self.occ
        idx = np.flatnonzero((occ != 0) & (occ != 255))
        return self.grid.positions_nm(idx), (occ[idx] - 1).astype(np.uint8)

    def snapshot(self) -> Snapshot:
        pos, sp = self.atoms()
        shell = self.carbon_shell_nm
        return Snapshot(positions_nm=pos.astype(np.float32), species=sp, species_names=SPECIES,
                        time_s=self.time_s, events=self.events, box_nm=self.grid.box_nm,
                        carbon_shell_nm=None if math.isnan(shell) else shell)

    def memory_bytes(self) -> int:
        """Bytes held by the engine's arrays (site words, class lists, rate tables, stream)."""
        s = self.s
        arrays = [getattr(s, f) for f in s.__dataclass_fields__]
        arrays += [self.crate, self.cpart, self.ctab, self.sup]
        return int(sum(a.nbytes for a in arrays))

    @property
    def n_lattice_sites(self) -> int:
        """Number of usable lattice sites in the box."""
        return int((self.s.st != E.WALL).sum())

    # -- checkpoints --------------------------------------------------------------------------
    _SAVED = ("st", "pool", "cstart", "ccap", "ccount", "bsum", "fs", "ci", "rng", "elist")

    def save_checkpoint(self, path: str | Path, extra: dict[str, Any]) -> None:
        """Write the full engine state plus *extra* (JSON-able) atomically."""
        buf = {k: getattr(self.s, k) for k in self._SAVED}
        buf["temperature_K"] = np.float64(self.temperature_K)
        buf["mobility"] = np.float64(self._mobility)
        buf["extra_json"] = np.array(json.dumps(extra))
        if self.migration is not None:
            buf["migration_json"] = np.array(json.dumps(self.migration.state()))
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez_compressed(tmp, **buf)

    def load_checkpoint(self, path: str | Path) -> dict[str, Any]:
        """Restore the state saved by :meth:`save_checkpoint`; returns its *extra*."""
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"{path}: unreadable checkpoint ({exc})") from None
        s = self.s
        if any(k not in data for k in self._SAVED) or \
                any(data[k].shape != getattr(s, k).shape for k in self._SAVED):
            raise FileFormatError(f"{path}: checkpoint does not match this configuration")
        for k in self._SAVED:
            getattr(s, k)[...] = data[k]
        s.cs[...] = -1
        for c in np.flatnonzero(s.ccount):
            members = s.pool[s.cstart[c]: s.cstart[c] + s.ccount[c]]
            s.cs[members] = (np.arange(s.ccount[c], dtype=np.int32) << E.CLASS_BITS) | c
        if self.vap:
            s.es[...] = -1
            nc = self.grid.n_cells
            s.es[s.elist[:s.ci[E.C_NE_C]]] = np.arange(s.ci[E.C_NE_C], dtype=np.int32)
            s.es[s.elist[nc:nc + s.ci[E.C_NE_A]]] = np.arange(s.ci[E.C_NE_A], dtype=np.int32)
        self.temperature_K = float(data["temperature_K"])
        # the factor in effect when saved: the next advance() switches and re-sums as the
        # uninterrupted run does
        self._mobility = float(data["mobility"]) if "mobility" in data else 1.0
        self._set_rates(self.temperature_K)
        if self.migration is not None:
            if "migration_json" not in data:
                raise FileFormatError(f"{path}: checkpoint has no migration state")
            self.migration.set_state(json.loads(str(data["migration_json"])))
        return json.loads(str(data["extra_json"]))
