"""Ground-truth observables of a dimer: lobe radii, neck, curvature, gap, contact, mixing.

Definitions (the same as :mod:`nanosinter.geometry` uses on images, in 3-D):

- ``r1_nm``, ``r2_nm``: least-squares sphere fits (Kasa 1976) to the centres of the surface atoms
  of each lobe on its far side from the neck (beyond its own centre along x) and above the
  support contact region; ``center_distance_nm`` is the distance between the fitted centres.
- ``neck_radius_nm``: the smallest cross-section radius between the two centres: for each
  slab normal to x holding one cation and one anion {100} plane (a/2 thick), the radius of the
  circle with the slab's area (atoms x a^2 / 4, each plane holding 2 atoms per a^2). For a neck
  of revolution this is half the smallest width seen in projection.
- ``neck_curvature_radius_nm``: radius of curvature R of that profile rho(x) at the neck, from
  a parabola fitted over +-max(a, rho_min/2) around the minimum: R = 1 / rho''.
- ``gap_nm``: before contact, the smallest distance between atoms of the two bodies minus the
  Cd-anion bond length sqrt(3) a / 4 (two surfaces at bonding distance have gap 0).
- ``contact``: 1 when the atoms nearest the two centres belong to one body (connected through
  first or second neighbours).
- ``mixing_index``: for anion sites, (fraction of S among the occupied anion neighbours of Se
  atoms) / (S fraction of all anions). 0 for a sharp CdSe/CdS interface far from anything,
  ~0.1 for the initial core/shell particles, 1 for a random CdSe(x)S(1-x) alloy (what the paper's
  EDX maps show after sintering).

References
----------
.. [1] I. Kasa, IEEE Trans. Instrum. Meas. 25, 8 (1976). doi:10.1109/TIM.1976.6312298
.. [2] L. Tang et al., Nanomaterials 13, 3082 (2023), Figure 3f (r1, r2, r, R).
   doi:10.3390/nano13243082
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.spatial import cKDTree

OBS_COLUMNS = (
    "time_s", "events", "n_atoms", "r1_nm", "r2_nm", "neck_radius_nm",
    "neck_curvature_radius_nm", "center_distance_nm", "gap_nm", "contact", "n_surface_atoms",
    "mixing_index", "n_thermal", "n_beam", "n_sputter", "temperature_K",
    "carbon_coverage", "carbon_shell_nm", "n_bodies", "n_migrations",
    "n_evaporated", "n_condensed", "n_vapour",
)
#: columns of ``particles.csv`` (runs with migration; :meth:`nanosinter.kmc.Simulation.particles`)
PARTICLE_COLUMNS = (
    "time_s", "track_id", "x_nm", "y_nm", "z_nm", "body", "body_atoms", "body_radius_nm",
    "com_x_nm", "com_y_nm", "com_z_nm",
)


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Algebraic least-squares sphere through *points* (N, 3): centre (3,), radius.

    References
    ----------
    .. [1] I. Kasa, IEEE Trans. Instrum. Meas. 25, 8 (1976). doi:10.1109/TIM.1976.6312298
    """
    p = np.asarray(points, dtype=np.float64)
    if p.shape[0] < 4:
        return np.full(3, np.nan), math.nan
    A = np.column_stack([2 * p, np.ones(len(p))])
    b = (p**2).sum(axis=1)
    sol, *_ = np.linalg.lstsq(A, b, rcond=None)
    c = sol[:3]
    r2 = sol[3] + c @ c
    return c, math.sqrt(r2) if r2 > 0 else math.nan


@nb.njit(cache=True)
def _label(occ, nn_c, nn_a, nnn, nc):
    """Connected bodies of occupied sites (first or second neighbours); labels from 1."""
    lab = np.zeros(occ.size, dtype=np.int32)
    stack = np.empty(occ.size, dtype=np.int64)
    cur = 0
    for s in range(occ.size):
        if occ[s] == 0 or occ[s] == 255 or lab[s] != 0:
            continue
        cur += 1
        lab[s] = cur
        top = 0
        stack[0] = s
        top = 1
        while top > 0:
            top -= 1
            x = stack[top]
            nn = nn_c if x < nc else nn_a
            for d in range(16):
                y = x + (nn[d] if d < 4 else nnn[d - 4])
                if occ[y] != 0 and occ[y] != 255 and lab[y] == 0:
                    lab[y] = cur
                    stack[top] = y
                    top += 1
    return lab


@nb.njit(cache=True)
def _mixing(occ, nnn, nc, code_se, code_s):
    """(S neighbours of Se, anion neighbours of Se, number of Se, number of S)."""
    ns = 0
    nall = 0
    nse_atoms = 0
    ns_atoms = 0
    for x in range(nc, occ.size):
        o = occ[x]
        if o == code_s:
            ns_atoms += 1
        elif o == code_se:
            nse_atoms += 1
            for d in range(12):
                v = occ[x + nnn[d]]
                if v == code_s:
                    ns += 1
                    nall += 1
                elif v == code_se:
                    nall += 1
    return ns, nall, nse_atoms, ns_atoms


def mixing_index(occ: np.ndarray, nnn: np.ndarray, n_cells: int, *, code_se: int = 2,
                 code_s: int = 3) -> float:
    """Mixing index of the anion sublattice (see module docstring); NaN without Se or S."""
    ns, nall, nse, nsa = _mixing(occ, nnn, n_cells, code_se, code_s)
    if nse == 0 or nsa == 0 or nall == 0:
        return math.nan
    return (ns / nall) / (nsa / (nse + nsa))


def dimer_observables(*, occ: np.ndarray, n1: np.ndarray, n2: np.ndarray, grid,
                      offsets: tuple[np.ndarray, np.ndarray, np.ndarray],
                      centers_nm: np.ndarray, truncation_nm: float) -> dict[str, float]:
    """Geometry of the first two particles (see module docstring).

    Parameters
    ----------
    occ, n1, n2 : ndarray
        Site species codes and neighbour counts of the engine.
    grid : Grid
        Site grid.
    offsets : tuple
        ``Grid.offsets()``.
    centers_nm : ndarray, shape (>=2, 3)
        Initial particle centres (used to orient the fits and find the bodies).
    truncation_nm : float
        Depth of the initial truncation by the support; fits ignore atoms below
        ``truncation_nm + a`` above the support.

    Returns
    -------
    dict
        ``r1_nm, r2_nm, neck_radius_nm, neck_curvature_radius_nm, center_distance_nm, gap_nm,
        contact, n_surface_atoms, mixing_index`` (NaN where undefined).
    """
    nn_c, nn_a, nnn = offsets
    a = grid.lattice_constant_nm
    atoms = np.flatnonzero((occ != 0) & (occ != 255))
    pos = grid.positions_nm(atoms)
    surf = (n1[atoms].astype(np.int64) + n2[atoms]) < 16
    out = dict.fromkeys(("r1_nm", "r2_nm", "neck_radius_nm", "neck_curvature_radius_nm",
                         "center_distance_nm", "gap_nm"), math.nan)
    out["n_surface_atoms"] = int(surf.sum())
    out["mixing_index"] = mixing_index(occ, nnn, grid.n_cells)
    out["contact"] = 0
    if len(centers_nm) < 2 or atoms.size == 0:
        return out
    c1, c2 = np.asarray(centers_nm[0], float), np.asarray(centers_nm[1], float)
    # bodies
    lab = _label(occ, nn_c, nn_a, nnn, grid.n_cells)[atoms]
    tree = cKDTree(pos)
    _, i1 = tree.query(c1)
    _, i2 = tree.query(c2)
    l1, l2 = lab[i1], lab[i2]
    contact = l1 == l2
    out["contact"] = int(contact)
    # lobe fits away from the neck
    zmin = truncation_nm + a
    far1 = surf & (pos[:, 0] < c1[0]) & (pos[:, 2] > zmin) & (lab == l1)
    far2 = surf & (pos[:, 0] > c2[0]) & (pos[:, 2] > zmin) & (lab == l2)
    f1, r1 = fit_sphere(pos[far1])
    f2, r2 = fit_sphere(pos[far2])
    out["r1_nm"], out["r2_nm"] = r1, r2
    if np.all(np.isfinite(f1)) and np.all(np.isfinite(f2)):
        out["center_distance_nm"] = float(np.linalg.norm(f2 - f1))
    if not contact:
        s1 = surf & (lab == l1)
        s2 = surf & (lab == l2)
        if s1.any() and s2.any():
            d, _ = cKDTree(pos[s2]).query(pos[s1])
            out["gap_nm"] = max(float(d.min()) - math.sqrt(3) * a / 4, 0.0)
        return out
    out["gap_nm"] = 0.0
    # neck profile between the fitted (or initial) centres
    x1 = f1[0] if np.isfinite(f1[0]) else c1[0]
    x2 = f2[0] if np.isfinite(f2[0]) else c2[0]
    body = lab == l1
    xs = pos[body, 0]
    # one bin per pair of atomic planes normal to x (a cation and an anion plane, a/2 thick,
    # 4 atoms per a^2): a second-neighbour link spans a/2 in x, so a connected body leaves no
    # empty bin between the centres
    q = a / 2
    k1, k2 = math.floor(x1 / q), math.ceil(x2 / q)
    edges = (np.arange(k1, k2 + 1) - 0.25) * q
    if edges.size < 4:
        return out
    counts, _ = np.histogram(xs, bins=edges)
    rho = np.sqrt(counts * a**2 / 4 / math.pi)
    mid = 0.5 * (edges[:-1] + edges[1:])
    inner = slice(1, len(rho) - 1)
    k = int(np.argmin(rho[inner])) + 1
    out["neck_radius_nm"] = float(rho[k])
    w = max(a, rho[k] / 2)
    sel = np.abs(mid - mid[k]) <= w + 1e-9
    if sel.sum() >= 3:
        c2_, _, _ = np.polyfit(mid[sel] - mid[k], rho[sel], 2)
        if c2_ > 0:
            out["neck_curvature_radius_nm"] = float(1.0 / (2.0 * c2_))
    return out
