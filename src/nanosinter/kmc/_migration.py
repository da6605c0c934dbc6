"""Migration and coalescence: whole particles random-walk on the support as rigid bodies.

Model (section ``[migration]``, off by default). A *body* is a connected cluster of atoms
(first or second neighbours, :func:`nanosinter.kmc._observe._label`) with at least ``min_atoms``
atoms; smaller clusters (adatoms, small fragments) move only by the atomistic hops. A body of
N atoms has the volume-equivalent radius r = (3 N a^3 / (32 pi))^(1/3) (8 atoms per cubic cell
of zinc blende) and diffuses in the support plane with

    D(r) = D_ref (r / r_ref)^(-alpha),   alpha = 4,

the law for a particle whose centre of mass moves by the surface diffusion of its own atoms
(Gruber 1967: D = 3 Omega^(4/3) D_s / (2 pi r^4), D_s the surface diffusion coefficient), used for
the migration of supported catalyst particles by Hansen et al. (2013). For monolayer islands
Khare, Bartelt & Einstein (1995) derive the 2-D counterparts (alpha = 1, 2, 3 for
evaporation-condensation, terrace diffusion and periphery diffusion); alpha is a parameter
(``exponent``) so those laws can be used as well.

The walk is on the lattice: a move translates every atom of the body by one of the four
shortest lattice vectors in the support plane, a/2 (+-1, +-1, 0) (length l = a/sqrt 2), each at
the rate D / l^2, so that the mean squared displacement is <|dr|^2> = 4 D t (2-D). A move that
would put an atom on a wall (out of the box) or on a site held by another cluster is rejected
(the clock still advances: a hard-core walk). A move that brings two bodies within neighbour
distance makes them one body; it then sinters by the surface hops and migrates with the D of
its larger radius. The carbon shell scales D by the same mobility factor as the hops
(:mod:`nanosinter.kmc._carbon`).

Time: the migration events are a second Poisson process beside the engine's events, with total
rate R_mig = sum over bodies of 4 D(r) / l^2, which depends on the state. It is sampled by
thinning (Lewis & Shedler 1979): candidate times are drawn with a bound R_bound = 1.25 R_mig
(set at each candidate from the state then), the engine advances exactly to the candidate time
(its waiting times are memoryless, so stopping it there is exact), and the candidate becomes a
move with probability R_mig(now) / R_bound. This is exact while R_mig stays below the bound
between candidates; merges and mass loss only lower R_mig, and the rare candidate where it does
not hold is counted (``bound_exceeded``). After a move the engine's site words and class lists
are rebuilt from the new occupancy (:meth:`nanosinter.kmc.Simulation.set_occupancy`, ~20 ms on
the 15 nm tang2023 dimer, plus ~10 ms to label the clusters per candidate).

Each initial particle keeps an *anchor*: the lattice site at its centre, translated with every
move of the body that holds it. Anchors are the exact rigid-body trajectories (surface diffusion
does not move them); ``particles.csv`` records them with the body each belongs to.

Calibrated: ``prefactor_nm2_per_s = 2.0`` (D at r_ref = 1 nm; D = 0.0078 nm^2/s at r = 4 nm),
chosen so that the particles of the ``migration`` preset, 2.5-3.7 nm apart, meet within a few
minutes of simulated time. Tang et al. (2023) saw no translation before contact; the migration
preset is the counterfactual "what would migration-coalescence look like". D does not depend on
temperature here (a temperature programme changes only the atomistic rates).

References
----------
.. [1] E. E. Gruber, J. Appl. Phys. 38, 243 (1967). doi:10.1063/1.1708962
.. [2] T. W. Hansen, A. T. DeLaRiva, S. R. Challa, A. K. Datye, Acc. Chem. Res. 46, 1720 (2013).
   doi:10.1021/ar3002427
.. [3] S. V. Khare, N. C. Bartelt, T. L. Einstein, Phys. Rev. Lett. 75, 2148 (1995).
   doi:10.1103/PhysRevLett.75.2148
.. [4] P. A. W. Lewis, G. S. Shedler, Naval Res. Logist. Q. 26, 403 (1979).
   doi:10.1002/nav.3800260304
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np

#: in-plane lattice translation vectors in grid units of a/2 (both sublattices keep parity)
STEPS_IJ = ((1, 1), (1, -1), (-1, 1), (-1, -1))
#: bound on the migration rate relative to its value at the last candidate (thinning)
BOUND_FACTOR = 1.25


def body_radius_nm(n_atoms: np.ndarray | float, lattice_constant_nm: float) -> np.ndarray:
    """Volume-equivalent radius of a body of *n_atoms* zinc-blende atoms (8 per a^3)."""
    v = np.asarray(n_atoms, dtype=np.float64) * lattice_constant_nm**3 / 8.0
    return np.cbrt(3.0 * v / (4.0 * math.pi))


def diffusion_coefficient_nm2_per_s(radius_nm: np.ndarray | float, *, prefactor_nm2_per_s: float,
                                    reference_radius_nm: float, exponent: float) -> np.ndarray:
    """D(r) = D_ref (r / r_ref)^(-alpha) in nm^2/s.

    References
    ----------
    .. [1] E. E. Gruber, J. Appl. Phys. 38, 243 (1967). doi:10.1063/1.1708962
    """
    r = np.asarray(radius_nm, dtype=np.float64)
    return prefactor_nm2_per_s * (r / reference_radius_nm) ** (-exponent)


def step_length_nm(lattice_constant_nm: float) -> float:
    """Length a / sqrt(2) of the in-plane translation vectors."""
    return lattice_constant_nm / math.sqrt(2.0)


@nb.njit(cache=True)
def translate_body(occ, lab, target, off):
    """Move every site labelled *target* by the flat offset *off*, in place, if allowed.

    Allowed when every destination is inside the array, not a wall (255) and either empty or
    part of the same body. Returns True when the body moved.
    """
    n = occ.size
    count = 0
    for x in range(n):
        if lab[x] == target:
            count += 1
    sites = np.empty(count, np.int64)
    k = 0
    for x in range(n):
        if lab[x] == target:
            y = x + off
            if y < 0 or y >= n:
                return False
            o = occ[y]
            if o == 255 or (o != 0 and lab[y] != target):
                return False
            sites[k] = x
            k += 1
    species = np.empty(count, np.uint8)
    for i in range(count):
        species[i] = occ[sites[i]]
        occ[sites[i]] = 0
    for i in range(count):
        occ[sites[i] + off] = species[i]
    return True


class Migration:
    """State of the migration process of a :class:`~nanosinter.kmc.Simulation`.

    Everything that decides the trajectory (anchors, pending candidate time, bound, random
    stream, counters) is in :meth:`state`, which the checkpoint stores.
    """

    def __init__(self, cfg: dict[str, dict[str, Any]], grid, anchors: np.ndarray, seed: int
                 ) -> None:
        m = cfg["migration"]
        self.prefactor = float(m["prefactor_nm2_per_s"])
        self.reference_radius_nm = float(m["reference_radius_nm"])
        self.exponent = float(m["exponent"])
        self.min_atoms = int(m["min_atoms"])
        self.a = grid.lattice_constant_nm
        self.l2 = step_length_nm(self.a) ** 2
        _, ny, nz = grid.shape
        self.offsets = np.array([(di * ny + dj) * nz for di, dj in STEPS_IJ], dtype=np.int64)
        self.anchors = np.asarray(anchors, dtype=np.int64).copy()
        self.rng = np.random.Generator(np.random.PCG64([int(seed), 0x6D1647]))
        self.next_time_s = math.nan  # drawn at the first call of :meth:`schedule`
        self.bound_per_s = 0.0
        self.counts = {"moves": 0, "blocked": 0, "candidates": 0, "bound_exceeded": 0}

    # -- rates ---------------------------------------------------------------------------------
    def body_rates(self, sizes: np.ndarray, mobility: float) -> np.ndarray:
        """Total move rate 4 D(r) m / l^2 of each cluster size (0 below ``min_atoms``)."""
        sizes = np.asarray(sizes)
        r = body_radius_nm(np.maximum(sizes, 1), self.a)
        d = diffusion_coefficient_nm2_per_s(
            r, prefactor_nm2_per_s=self.prefactor, reference_radius_nm=self.reference_radius_nm,
            exponent=self.exponent)
        return np.where(sizes >= self.min_atoms, 4.0 * d * mobility / self.l2, 0.0)

    def schedule(self, now_s: float, rate_per_s: float) -> None:
        """Draw the next candidate time with the bound ``BOUND_FACTOR x rate_per_s``."""
        self.bound_per_s = BOUND_FACTOR * rate_per_s
        if self.bound_per_s <= 0:
            self.next_time_s = math.inf
        else:
            self.next_time_s = now_s + self.rng.exponential(1.0 / self.bound_per_s)

    def candidate(self, occ: np.ndarray, lab: np.ndarray, mobility: float
                  ) -> tuple[bool, float]:
        """Handle a candidate event on the labelled occupancy.

        Returns ``(moved, rate_per_s)``: whether a body moved (*occ* and the anchors were
        changed in place) and the total migration rate of the state before the move.
        """
        self.counts["candidates"] += 1
        sizes = np.bincount(lab, minlength=1)
        sizes[0] = 0
        rates = self.body_rates(sizes, mobility)
        total = float(rates.sum())
        bound = self.bound_per_s
        u = self.rng.random()
        if total > bound:
            self.counts["bound_exceeded"] += 1
        moved = False
        if total > 0 and u * bound < total:
            cum = np.cumsum(rates)
            target = int(np.searchsorted(cum, self.rng.random() * total, side="right"))
            target = min(target, len(rates) - 1)
            d = int(self.rng.integers(4))
            off = int(self.offsets[d])
            if translate_body(occ, lab, target, off):
                self.counts["moves"] += 1
                hit = lab[self.anchors] == target
                self.anchors[hit] += off
                moved = True
            else:
                self.counts["blocked"] += 1
        return moved, total

    # -- checkpoint ----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"anchors": self.anchors.tolist(), "next_time_s": self.next_time_s,
                "bound_per_s": self.bound_per_s, "counts": dict(self.counts),
                "rng": self.rng.bit_generator.state}

    def set_state(self, st: dict[str, Any]) -> None:
        self.anchors = np.asarray(st["anchors"], dtype=np.int64)
        self.next_time_s = float(st["next_time_s"])
        self.bound_per_s = float(st["bound_per_s"])
        self.counts = {k: int(v) for k, v in st["counts"].items()}
        self.rng.bit_generator.state = st["rng"]


def anchor_sites(occ: np.ndarray, positions_nm: np.ndarray, centers_nm: np.ndarray
                 ) -> np.ndarray:
    """The occupied site nearest to each centre (flat indices)."""
    atoms = np.flatnonzero((occ != 0) & (occ != 255))
    pos = positions_nm(atoms)
    out = np.empty(len(centers_nm), dtype=np.int64)
    for i, c in enumerate(np.asarray(centers_nm, dtype=np.float64)):
        out[i] = atoms[int(np.argmin(((pos - c) ** 2).sum(axis=1)))]
    return out
