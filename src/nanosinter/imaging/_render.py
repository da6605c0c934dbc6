"""Bright-field TEM frames from atom positions: the forward model of the microscope.

One frame, step by step (all vectorised on the pixel grid):

1. project the atoms along the beam (z) with cloud-in-cell weights (:func:`splat_atoms`);
   smoothing over ~one interatomic distance turns atom counts into a continuous projected
   thickness ``t`` (nm) and scattering depth ``tau = sum_s sigma_s N_s`` per pixel;
2. mass-thickness contrast ``I = exp(-(tau_particles + tau_support + tau_rim))``
   (:mod:`nanosinter.imaging._contrast`), times ``(1 + c T)`` with ``T`` a unit-rms Gaussian
   random field for the granular texture of the amorphous support;
3. an optional thin carbon rim around the projected outline (the carbonised-ligand shell of
   Tang et al. 2023, Fig. 3b);
4. optional lattice fringes: the high-pass part of the unsmoothed column projection;
5. Gaussian blur for the instrument resolution (FWHM ``resolution_nm``);
6. Poisson shot noise for ``dose_e_per_A2`` electrons per Å^2 per frame.

Stage drift shifts the whole specimen (atoms and support texture) between frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy import ndimage as ndi

from nanosinter._validation import check_choice, check_positive
from nanosinter.imaging._contrast import (
    CARBON_ATOMS_PER_NM3,
    atom_cross_sections_nm2,
)
from nanosinter.imaging._project import Grid, splat_atoms

_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


@dataclass(frozen=True)
class RenderSettings:
    """Microscope and specimen parameters of a synthetic bright-field movie.

    Attributes
    ----------
    pixel_size_nm : float
        Pixel size at the specimen (default 0.1 nm).
    fov_nm : (height, width) or None
        Field of view; ``None``: the extent of the atoms in the first snapshot plus
        ``margin_nm`` on every side.
    margin_nm : float
        Margin around the atoms when ``fov_nm`` is None.
    beam_energy_keV : float
        300 keV: the FEI Titan 80-300 of Tang et al. (2023), doi:10.3390/nano13243082.
    dose_e_per_A2 : float
        Electron dose per frame in e/Å^2 (sets the Poisson noise). Default 100 e/Å^2: an
        assumed moderate in-situ imaging dose; the paper states no dose.
    objective_aperture_mrad : float
        Objective-aperture semi-angle for the contrast mean free path (10 mrad, a typical
        bright-field objective aperture).
    mean_free_path_nm : float or None
        Contrast mean free path of CdSe; ``None`` uses
        :func:`nanosinter.imaging.contrast_mean_free_path_nm` (~52 nm at 300 kV).
    atom_volume_nm3 : float
        Volume per atom, converts atom counts to projected thickness. Default ``a^3 / 8`` of
        zinc-blende CdSe, a = 0.6077 nm (PHYSICS.md §4).
    fill_sigma_nm : float
        Gaussian smoothing that merges discrete atom columns into a continuous thickness
        (0.2 nm, about the 0.26 nm Cd-Se nearest-neighbour distance).
    outline_closing_nm : float
        Ground-truth outline: pixels holding at least one atom column, closed with a disc of
        this radius (0.25 nm, bridges the 0.15 nm gaps between projected columns of a
        zinc-blende [001] projection) and with holes filled. Gaps narrower than twice this
        radius count as contact; concave neck curvature radii below it are not resolved.
    outline_growth_nm : float
        The closed outline of atom centres is then grown by this distance, since each
        surface column owns about half a column spacing beyond its centre. Calibrated:
        0.1 nm makes the area-equivalent radius of zinc-blende CdSe spheres (R = 3-7.5 nm,
        pixels of 0.05 and 0.1 nm) equal their volume-equivalent radius to within 1 %.
    support_thickness_nm : float
        Mean thickness of the amorphous carbon support (10 nm; assumed typical film).
    texture_contrast : float
        RMS relative intensity modulation of the support texture. Calibrated: 0.04, chosen
        by eye to resemble the granular phase-contrast texture of thin amorphous carbon in
        bright-field images at ~0.1 nm/px; not a physical model of phase contrast.
    texture_correlation_nm : float
        Correlation length (Gaussian sigma) of the texture (0.4 nm, the typical grain of
        amorphous-carbon phase contrast; calibrated by eye like ``texture_contrast``).
    rim_thickness_nm : float
        Thickness of the carbon shell around the particles (0 disables it). Calibrated: 1 nm,
        estimated by eye from the faint rim in Tang et al. (2023), Fig. 3b. Used when the
        snapshot carries no simulated shell (``[carbon]`` off); otherwise the simulation's
        thickness at that time is drawn.
    rim_curvature_radius_nm : float
        Radius of the particle used for the projected chord length of the rim (7.5 nm, half
        the 15 nm particle size of Tang et al. 2023).
    rim_model : {"outline", "shell"}
        ``"outline"`` (default; the accuracy tests and the analysis's calibrated thresholds
        use it): the rim is drawn only outside the projected outline, with the chord
        ``2 sqrt(2 R_c (t - s))`` of a shell of thickness ``t`` at distance ``s`` outside the
        edge. Fast, but it leaves out the shell in front of and behind the particles, so a
        neck that joins two outlines takes the rims' carbon out of the gap (a neck below
        ~1 nm then brightens it). ``"shell"``: a 3-D shell, every point within ``t`` of the
        atoms' solid (atoms within 0.3 nm; voxels of ~0.2 nm), above the support plane,
        projected along the beam; it also wraps necks. ~1 s per snapshot for the demo's
        dimer.
    resolution_nm : float
        FWHM of the Gaussian point-spread function (0.3 nm; the Titan's information limit is
        ~0.1-0.2 nm, bright-field movies at low dose are softer).
    drift_nm_per_frame : float
        RMS step per axis of the stage-drift random walk between frames (0.1 nm).
    fringe_contrast : float
        Relative amplitude of lattice fringes from projected atom columns (0 disables them;
        ~0.1-0.3 with ``resolution_nm`` <= 0.12 for synthetic HRTEM).
    """

    pixel_size_nm: float = 0.1
    fov_nm: tuple[float, float] | None = None
    margin_nm: float = 5.0
    beam_energy_keV: float = 300.0
    dose_e_per_A2: float = 100.0
    objective_aperture_mrad: float = 10.0
    mean_free_path_nm: float | None = None
    atom_volume_nm3: float = 0.6077**3 / 8.0
    fill_sigma_nm: float = 0.2
    outline_closing_nm: float = 0.25
    outline_growth_nm: float = 0.1
    support_thickness_nm: float = 10.0
    texture_contrast: float = 0.04
    texture_correlation_nm: float = 0.4
    rim_thickness_nm: float = 1.0
    rim_curvature_radius_nm: float = 7.5
    rim_model: str = "outline"
    resolution_nm: float = 0.3
    drift_nm_per_frame: float = 0.1
    fringe_contrast: float = 0.0

    def __post_init__(self) -> None:
        check_choice("rim_model", self.rim_model, ("outline", "shell"))
        for name in (
            "pixel_size_nm",
            "margin_nm",
            "beam_energy_keV",
            "dose_e_per_A2",
            "objective_aperture_mrad",
            "atom_volume_nm3",
            "rim_curvature_radius_nm",
        ):
            check_positive(name, getattr(self, name))
        for name in (
            "fill_sigma_nm",
            "support_thickness_nm",
            "texture_contrast",
            "texture_correlation_nm",
            "rim_thickness_nm",
            "outline_closing_nm",
            "outline_growth_nm",
            "resolution_nm",
            "drift_nm_per_frame",
            "fringe_contrast",
        ):
            check_positive(name, getattr(self, name), allow_zero=True)
        if self.mean_free_path_nm is not None:
            check_positive("mean_free_path_nm", self.mean_free_path_nm)
        if self.fov_nm is not None:
            check_positive("fov_nm", self.fov_nm)

    @property
    def counts_per_pixel(self) -> float:
        """Mean electrons per pixel in vacuum: dose x pixel area (Å^2)."""
        return self.dose_e_per_A2 * (self.pixel_size_nm * 10.0) ** 2


@dataclass(frozen=True)
class RenderedFrame:
    """One rendered frame and its noise-free, drift-free ground truth.

    Attributes
    ----------
    image : ndarray (ny, nx), float64
        Detected electrons per pixel (Poisson samples when noise was on).
    expected : ndarray (ny, nx), float64
        Noise-free expected counts (with drift).
    thickness_nm : ndarray (ny, nx), float64
        Drift-free projected particle thickness in nm.
    coverage : ndarray (ny, nx), float64
        Drift-free particle mask as 0.0/1.0 (see ``RenderSettings.outline_closing_nm``); the
        input of :func:`nanosinter.geometry.measure_dimer_mask`.
    drift_nm : (dx, dy)
        Specimen shift applied to this frame in nm.
    """

    image: np.ndarray
    expected: np.ndarray
    thickness_nm: np.ndarray
    coverage: np.ndarray
    drift_nm: tuple[float, float]

    @property
    def mask(self) -> np.ndarray:
        return self.coverage >= 0.5


def random_walk_drift(
    n_frames: int, *, step_nm: float, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Stage drift as a Gaussian random walk starting at zero.

    Parameters
    ----------
    n_frames : int
    step_nm : float, keyword-only
        RMS step per axis between consecutive frames.
    rng : Generator or int, keyword-only

    Returns
    -------
    ndarray, shape (n_frames, 2)
        (dx, dy) in nm for each frame; row 0 is (0, 0).
    """
    rng = np.random.default_rng(rng)
    steps = rng.normal(0.0, float(step_nm), size=(max(int(n_frames) - 1, 0), 2))
    return np.vstack([np.zeros((1, 2)), np.cumsum(steps, axis=0)])


class SupportTexture:
    """A periodic Gaussian random field on the grid that can be shifted by sub-pixel amounts.

    Generated once in Fourier space (white noise times a Gaussian filter of sigma
    ``correlation_nm``), normalised to unit RMS; :meth:`at` returns it shifted by a drift
    vector through the Fourier shift theorem, so the texture moves with the specimen.
    """

    def __init__(self, grid: Grid, *, correlation_nm: float, rng: np.random.Generator) -> None:
        ny, nx = grid.shape
        px = grid.pixel_size_nm
        self._fy = sfft.fftfreq(ny, d=px)[:, None]  # cycles per nm
        self._fx = sfft.rfftfreq(nx, d=px)[None, :]
        self._shape = (ny, nx)
        white = rng.standard_normal((ny, nx))
        filt = np.exp(-2.0 * (np.pi * correlation_nm) ** 2 * (self._fx**2 + self._fy**2))
        hat = sfft.rfft2(white) * filt
        rms = np.sqrt(np.mean(sfft.irfft2(hat, s=self._shape) ** 2))
        self._hat = hat / (rms if rms > 0 else 1.0)

    def at(self, shift_nm: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """The field translated by ``shift_nm = (dx, dy)``: ``T(r - shift)``."""
        dx, dy = shift_nm
        if dx == 0.0 and dy == 0.0:
            return sfft.irfft2(self._hat, s=self._shape)
        phase = np.exp(-2j * np.pi * (self._fx * dx + self._fy * dy))
        return sfft.irfft2(self._hat * phase, s=self._shape)


class FrameRenderer:
    """Renders snapshots onto one grid with fixed settings (shared texture, cross sections).

    Parameters
    ----------
    grid : Grid
    settings : RenderSettings
    rng : Generator or int
        Seeds the support texture and the shot noise.
    """

    def __init__(
        self,
        grid: Grid,
        settings: RenderSettings,
        *,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.grid = grid
        self.settings = settings
        self.rng = np.random.default_rng(rng)
        s = settings
        self.texture = (
            SupportTexture(grid, correlation_nm=s.texture_correlation_nm, rng=self.rng)
            if s.texture_contrast > 0
            else None
        )
        self._sigma_carbon = float(
            atom_cross_sections_nm2(
                [6],
                beam_energy_keV=s.beam_energy_keV,
                collection_semiangle_mrad=s.objective_aperture_mrad,
                mean_free_path_nm=s.mean_free_path_nm,
            )[0]
        )

    def species_cross_sections(self, Z: np.ndarray) -> np.ndarray:
        s = self.settings
        return atom_cross_sections_nm2(
            Z,
            beam_energy_keV=s.beam_energy_keV,
            collection_semiangle_mrad=s.objective_aperture_mrad,
            mean_free_path_nm=s.mean_free_path_nm,
        )

    def _tau(
        self, positions_nm: np.ndarray, sigma_atom: np.ndarray, shift: tuple[float, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Smoothed scattering depth tau per pixel and the raw (unsmoothed) column projection."""
        s = self.settings
        raw = splat_atoms(positions_nm, self.grid, weights=sigma_atom, shift_nm=shift)
        fill = s.fill_sigma_nm / s.pixel_size_nm
        smooth = ndi.gaussian_filter(raw, fill, mode="constant") if fill > 0 else raw
        return smooth / s.pixel_size_nm**2, raw

    def thickness_nm(self, positions_nm: np.ndarray) -> np.ndarray:
        """Drift-free projected thickness: atoms per pixel x atom volume / pixel area."""
        s = self.settings
        counts = splat_atoms(positions_nm, self.grid)
        fill = s.fill_sigma_nm / s.pixel_size_nm
        if fill > 0:
            counts = ndi.gaussian_filter(counts, fill, mode="constant")
        return counts * (s.atom_volume_nm3 / s.pixel_size_nm**2)

    def outline_mask(
        self, positions_nm: np.ndarray, *, shift_nm: tuple[float, float] = (0.0, 0.0)
    ) -> np.ndarray:
        """Projected particle mask: occupied columns, closed, grown, holes filled.

        Closing and growing use exact Euclidean distances (discs), see
        ``RenderSettings.outline_closing_nm`` and ``outline_growth_nm``.
        """
        s = self.settings
        occupied = splat_atoms(positions_nm, self.grid, nearest=True, shift_nm=shift_nm) > 0
        if not occupied.any():
            return occupied
        px = s.pixel_size_nm
        close = s.outline_closing_nm
        # work in the bounding box of the atoms (plus the closing radius): EDT is the cost
        box = _bbox(occupied, int(np.ceil(close / px)) + 2)
        occ = occupied[box]
        grown = ndi.distance_transform_edt(~occ) * px <= close
        # erode back by less than the closing radius: net growth of outline_growth_nm
        sub = ndi.distance_transform_edt(grown) * px > max(close - s.outline_growth_nm, 0.0)
        mask = np.zeros_like(occupied)
        mask[box] = ndi.binary_fill_holes(sub)
        return mask

    def render_expected(
        self,
        positions_nm: np.ndarray,
        Z: np.ndarray,
        *,
        drift_nm: tuple[float, float] = (0.0, 0.0),
        rim_thickness_nm: float | None = None,
        texture: bool = False,
    ) -> np.ndarray:
        """Expected counts per pixel (no shot noise), by default without the support texture.

        The same forward model as :meth:`render` (rim, fringes, blur); draws no random numbers,
        so it leaves the renderer's noise stream untouched. Used for ideal-observer
        calculations (:func:`nanosinter.imaging.feature_detectability`).
        """
        drift = (float(drift_nm[0]), float(drift_nm[1]))
        return self._expected(positions_nm, Z, drift, rim_thickness_nm, texture=texture)

    def _expected(
        self,
        positions_nm: np.ndarray,
        Z: np.ndarray,
        drift: tuple[float, float],
        rim_thickness_nm: float | None,
        *,
        texture: bool,
        mask_0: np.ndarray | None = None,
    ) -> np.ndarray:
        s = self.settings
        sigma_atom = self.species_cross_sections(np.asarray(Z))
        tau_p, raw = self._tau(positions_nm, sigma_atom, drift)
        if drift == (0.0, 0.0) and mask_0 is not None:
            mask_d = mask_0
        else:
            mask_d = self.outline_mask(positions_nm, shift_nm=drift)

        rim = s.rim_thickness_nm if rim_thickness_nm is None else float(rim_thickness_nm)
        carbon_t = np.full(self.grid.shape, s.support_thickness_nm)
        if rim > 0 and mask_d.any():
            if s.rim_model == "shell":
                carbon_t += shell_thickness_nm(positions_nm, self.grid, rim, shift_nm=drift)
            else:
                carbon_t += _rim_thickness_nm(mask_d, s.pixel_size_nm, rim,
                                              s.rim_curvature_radius_nm)
        tau = tau_p + CARBON_ATOMS_PER_NM3 * self._sigma_carbon * carbon_t
        intensity = np.exp(-tau)
        if texture and self.texture is not None:
            intensity *= 1.0 + s.texture_contrast * self.texture.at(drift)
        if s.fringe_contrast > 0 and mask_d.any():
            intensity *= 1.0 - s.fringe_contrast * _fringe_signal(raw, mask_d, s.pixel_size_nm)
        if s.resolution_nm > 0:
            sig_px = s.resolution_nm / _FWHM_PER_SIGMA / s.pixel_size_nm
            intensity = ndi.gaussian_filter(intensity, sig_px, mode="nearest")
        return np.clip(intensity, 0.0, None) * s.counts_per_pixel

    def render(
        self,
        positions_nm: np.ndarray,
        Z: np.ndarray,
        *,
        drift_nm: tuple[float, float] = (0.0, 0.0),
        noise: bool = True,
        rim_thickness_nm: float | None = None,
    ) -> RenderedFrame:
        """Render one frame of atoms at ``positions_nm`` with atomic numbers ``Z``.

        Parameters
        ----------
        positions_nm : ndarray, shape (N, 3)
        Z : ndarray, shape (N,)
            Atomic number of each atom.
        drift_nm : (dx, dy), keyword-only
            Stage drift applied to the specimen (atoms and support).
        noise : bool, keyword-only
            Draw Poisson shot noise (default) or return the expected counts.
        rim_thickness_nm : float or None, keyword-only
            Carbon-shell thickness for this frame (the simulation's value, e.g.
            ``Snapshot.carbon_shell_nm``); None uses ``settings.rim_thickness_nm``.

        Returns
        -------
        RenderedFrame
        """
        drift = (float(drift_nm[0]), float(drift_nm[1]))
        thick_0 = self.thickness_nm(positions_nm)
        truth_mask = self.outline_mask(positions_nm)
        expected = self._expected(positions_nm, Z, drift, rim_thickness_nm, texture=True,
                                  mask_0=truth_mask)
        image = self.rng.poisson(expected).astype(np.float64) if noise else expected.copy()
        return RenderedFrame(
            image=image,
            expected=expected,
            thickness_nm=thick_0,
            coverage=truth_mask.astype(np.float64),
            drift_nm=drift,
        )


#: Atoms' solid for the 3-D shell: points within this distance of an atom centre (nm; about
#: the Cd-S/Se bond length, 0.25-0.26 nm, so that the lattice's interstices are inside).
_SOLID_NM = 0.3


def shell_thickness_nm(
    positions_nm: np.ndarray, grid: Grid, rim_nm: float, *,
    shift_nm: tuple[float, float] = (0.0, 0.0), voxel_nm: float | None = None,
) -> np.ndarray:
    """Projected thickness (nm) of a 3-D carbon shell of thickness ``rim_nm`` around atoms.

    The solid is every point within 0.3 nm of an atom centre; the shell every point within
    ``rim_nm`` of the solid and outside it, above the support plane (the lowest atom); both on
    a voxel grid aligned with the pixels (voxel: the multiple of the pixel size nearest to
    0.2 nm), the shell summed along the beam (z) and interpolated back onto the pixels. For a
    sphere of radius ``R`` this is the chord ``2 (sqrt((R + t)^2 - rho^2) -
    sqrt(R^2 - rho^2))`` in front of and behind it and ``2 sqrt((R + t)^2 - rho^2)`` beside it
    (halved below the equator by the support).
    """
    pos = np.asarray(positions_nm, dtype=np.float64)
    out = np.zeros(grid.shape)
    if pos.size == 0 or rim_nm <= 0:
        return out
    px = grid.pixel_size_nm
    k = max(1, round((voxel_nm or 0.2) / px))
    vox = k * px
    pad = rim_nm + _SOLID_NM + 2 * vox
    x = pos[:, 0] + shift_nm[0]
    y = pos[:, 1] + shift_nm[1]
    z0 = float(pos[:, 2].min())
    # voxel columns aligned with whole pixels of the grid
    j0 = int(np.floor((x.min() - pad - grid.x0_nm) / px))
    i0 = int(np.floor((y.min() - pad - grid.y0_nm) / px))
    nx = int(np.ceil((x.max() + pad - grid.x0_nm) / px)) - j0
    ny = int(np.ceil((y.max() + pad - grid.y0_nm) / px)) - i0
    nxv, nyv = -(-nx // k), -(-ny // k)
    nzv = int(np.ceil((pos[:, 2].max() + pad - z0) / vox)) + 1
    occ = np.zeros((nyv, nxv, nzv), dtype=bool)
    iy = np.floor((y - grid.y0_nm - i0 * px) / vox).astype(int)
    ix = np.floor((x - grid.x0_nm - j0 * px) / vox).astype(int)
    iz = np.floor((pos[:, 2] - z0) / vox).astype(int)
    occ[iy, ix, iz] = True
    # the voxel grid starts at the lowest atom: the support plane, below which no shell
    dist = ndi.distance_transform_edt(~occ, sampling=vox)
    shell = (dist > _SOLID_NM) & (dist <= _SOLID_NM + rim_nm)
    proj = shell.sum(axis=2) * vox  # (nyv, nxv) nm of carbon
    # back onto the pixels of the grid (voxel centres -> pixel centres, linear)
    fine = ndi.zoom(proj, k, order=1, grid_mode=True, mode="nearest") if k > 1 else proj
    fine = fine[:ny, :nx]
    a0, b0 = max(i0, 0), max(j0, 0)
    a1, b1 = min(i0 + fine.shape[0], grid.shape[0]), min(j0 + fine.shape[1], grid.shape[1])
    if a1 > a0 and b1 > b0:
        out[a0:a1, b0:b1] = fine[a0 - i0:a1 - i0, b0 - j0:b1 - j0]
    return out


def _rim_thickness_nm(
    mask: np.ndarray, pixel_size_nm: float, rim_nm: float, radius_nm: float
) -> np.ndarray:
    """Projected thickness of a carbon shell of thickness ``rim_nm`` outside the outline.

    A shell between radii R and R + d seen along the beam at distance s (0 < s < d) outside
    the particle edge has chord ``2 sqrt((R+d)^2 - (R+s)^2) ~ 2 sqrt(2 R (d - s))``.
    """
    out = np.zeros(mask.shape)
    box = _bbox(mask, int(np.ceil(rim_nm / pixel_size_nm)) + 2)
    dist = ndi.distance_transform_edt(~mask[box]) * pixel_size_nm
    sub = np.zeros(dist.shape)
    shell = (dist > 0) & (dist < rim_nm)
    sub[shell] = 2.0 * np.sqrt(2.0 * radius_nm * (rim_nm - dist[shell]))
    out[box] = sub
    return out


def _bbox(mask: np.ndarray, pad: int) -> tuple[slice, slice]:
    """Slices of the bounding box of ``mask`` grown by ``pad`` pixels (clipped to the array).

    Distances measured inside the box equal those in the full array for every pixel within
    ``pad`` of the mask, which is all the callers use.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    ny, nx = mask.shape
    return (
        slice(max(rows[0] - pad, 0), min(rows[-1] + pad + 1, ny)),
        slice(max(cols[0] - pad, 0), min(cols[-1] + pad + 1, nx)),
    )


def _fringe_signal(raw: np.ndarray, mask: np.ndarray, pixel_size_nm: float) -> np.ndarray:
    """Unit-RMS high-pass of the column projection inside the particles (lattice fringes)."""
    hp = raw - ndi.gaussian_filter(raw, 0.4 / pixel_size_nm, mode="constant")
    inside = hp[mask]
    rms = float(np.sqrt(np.mean(inside**2))) if inside.size else 0.0
    if rms == 0.0:
        return np.zeros_like(raw)
    soft = ndi.gaussian_filter(mask.astype(np.float64), 1.0)
    return hp / rms * soft
