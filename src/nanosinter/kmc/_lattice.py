"""The zinc-blende site grid: indexing, neighbour offsets, positions, particle building.

Sites are stored on two interleaved cubic grids of spacing a/2, one per sublattice:
cation (s = 0) at ``a/2 (i, j, k)`` and anion (s = 1) at ``a/2 (i, j, k) + a/4 (1, 1, 1)``,
with ``i + j + k`` even (the fcc condition). Flat index ``((s*NX + i)*NY + j)*NZ + k``.
Every site has 4 nearest neighbours on the other sublattice (distance ``sqrt(3) a / 4``) and
12 second neighbours on its own sublattice (distance ``a / sqrt(2)``), which are also the hop
targets. Sites outside the box, below the support, or of odd parity hold ``WALL``.

References
----------
.. [1] N. W. Ashcroft, N. D. Mermin, Solid State Physics (1976), ch. 4 (zinc-blende structure).
   ISBN 978-0030839931
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: species codes on the grid (0 = empty; 1.. = index into SPECIES + 1; WALL = never occupiable)
EMPTY = 0
WALL = 255
#: species known to the engine, in code order (code = index + 1)
SPECIES = ("Cd", "Se", "S")
CATIONS = ("Cd",)
ANIONS = ("Se", "S")

# Nearest-neighbour offsets in (i, j, k) units of a/2, from a cation to the anion grid and back.
_NN_FROM_CATION = np.array([(0, 0, 0), (0, -1, -1), (-1, 0, -1), (-1, -1, 0)], dtype=np.int64)
_NN_FROM_ANION = -_NN_FROM_CATION
_NNN = np.array(
    [(1, 1, 0), (1, -1, 0), (-1, 1, 0), (-1, -1, 0),
     (1, 0, 1), (1, 0, -1), (-1, 0, 1), (-1, 0, -1),
     (0, 1, 1), (0, 1, -1), (0, -1, 1), (0, -1, -1)],
    dtype=np.int64,
)


@dataclass(frozen=True)
class Grid:
    """Shape and geometry of the site grid.

    Attributes
    ----------
    shape : tuple of int
        ``(NX, NY, NZ)`` cells of size a/2 per sublattice, walls included.
    lattice_constant_nm : float
        Cubic lattice constant a.
    k0 : int
        ``k`` index of the lowest cation layer, which touches the support.
    """

    shape: tuple[int, int, int]
    lattice_constant_nm: float
    k0: int = 1

    @property
    def n_cells(self) -> int:
        nx, ny, nz = self.shape
        return nx * ny * nz

    @property
    def n_entries(self) -> int:
        return 2 * self.n_cells

    @property
    def box_nm(self) -> np.ndarray:
        """Box size in nm (walls excluded at the low side, support at z = 0)."""
        nx, ny, nz = self.shape
        h = self.lattice_constant_nm / 2
        return np.array([nx * h, ny * h, (nz - self.k0) * h])

    def offsets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat index offsets: NN from cation, NN from anion (both (4,)), NNN (12,)."""
        _nx, ny, nz = self.shape
        nc = self.n_cells

        def flat(v: np.ndarray) -> np.ndarray:
            return (v[:, 0] * ny + v[:, 1]) * nz + v[:, 2]

        return flat(_NN_FROM_CATION) + nc, flat(_NN_FROM_ANION) - nc, flat(_NNN)

    def positions_nm(self, idx: np.ndarray) -> np.ndarray:
        """Positions (N, 3) in nm of flat site indices; support surface at z = 0.

        The lowest cation layer sits a/4 above the support surface (half the {001} layer
        spacing of a/4 on either side, so that the support plane is where the next anion
        layer would be).
        """
        idx = np.asarray(idx, dtype=np.int64)
        nx, ny, nz = self.shape
        k = idx % nz
        j = (idx // nz) % ny
        i = (idx // (nz * ny)) % nx
        s = idx // self.n_cells
        h = self.lattice_constant_nm / 2
        q = self.lattice_constant_nm / 4
        pos = np.empty((idx.size, 3), dtype=np.float64)
        pos[:, 0] = i * h + s * q
        pos[:, 1] = j * h + s * q
        pos[:, 2] = (k - self.k0) * h + s * q + q
        return pos

    def all_site_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices and positions of every non-wall site of the empty grid."""
        occ = empty_grid(self)
        idx = np.flatnonzero(occ == EMPTY)
        return idx, self.positions_nm(idx)


def grid_for_box(box_nm: tuple[float, float, float], lattice_constant_nm: float) -> Grid:
    """The smallest grid whose usable region covers *box_nm* (plus one wall cell each side)."""
    h = lattice_constant_nm / 2
    n = [int(np.ceil(b / h)) + 2 for b in box_nm]
    return Grid(shape=(n[0], n[1], n[2] + 1), lattice_constant_nm=lattice_constant_nm, k0=1)


def empty_grid(grid: Grid) -> np.ndarray:
    """uint8 array over all entries: EMPTY on usable sites, WALL elsewhere."""
    nx, ny, nz = grid.shape
    i, j, k = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    usable = ((i + j + k) % 2 == 0) & (i >= 1) & (i <= nx - 2) & (j >= 1) & (j <= ny - 2)
    usable &= (k <= nz - 2)
    cat = usable & (k >= grid.k0)
    # an anion at k sits a/4 above the cation at k, so anions at k0 - 1 would be below the support
    an = usable & (k >= grid.k0)
    occ = np.full((2, nx, ny, nz), WALL, dtype=np.uint8)
    occ[0][cat] = EMPTY
    occ[1][an] = EMPTY
    return occ.reshape(-1)


def support_mask(grid: Grid) -> np.ndarray:
    """Boolean mask over entries: sites in the bottom cation layer, in contact with the support."""
    nx, ny, nz = grid.shape
    m = np.zeros((2, nx, ny, nz), dtype=bool)
    m[0, :, :, grid.k0] = True
    return m.reshape(-1)
