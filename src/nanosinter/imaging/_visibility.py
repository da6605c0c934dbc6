"""How visible is a group of atoms in a bright-field frame? Ideal-observer detectability.

Before asking an analysis to find a feature (a young neck between two particles, a small
island), ask whether the frame contains it at all. For a feature that changes the expected
image by ``Delta`` (with the feature minus without it, everything else known), the best
possible detector, the prewhitening matched filter of the Hotelling observer, separates
"feature" from "no feature" by

    d'^2 = Delta^T K^-1 Delta

standard deviations, with ``K`` the covariance of the frame's noise [1]_ [2]_. No analysis
does better; a useful rule (Rose [3]_) asks for ``d' >= 5`` before a feature counts as seen
without false alarms among the many places a frame offers.

Two noise models bracket what a movie gives:

- ``d_shot``: Poisson shot noise only, ``K = diag(E)`` with ``E`` the expected counts: the
  support texture is known exactly (as if learned from feature-free frames of the same area)
  and subtracted. An upper bound.
- ``d_texture``: shot noise plus the support texture as an unknown stationary Gaussian field
  with the renderer's spectrum (:class:`~nanosinter.imaging.SupportTexture`: unit-RMS white
  noise filtered by a Gaussian of ``texture_correlation_nm``, times ``texture_contrast`` and
  the local transmitted intensity, then blurred by the ``resolution_nm`` PSF). The texture is
  fixed to the specimen, so ``n_frames`` frames of the same feature divide the shot-noise part
  by ``n_frames`` and leave the texture part: what averaging a movie can give when no
  feature-free view of the same support exists.

``d_texture`` uses a stationary approximation: the shot-noise variance and the texture's
modulation are taken at their signal-weighted means over the feature's footprint
(``sum(Delta^2 E) / sum(Delta^2)``), and ``K`` is diagonalised by the DFT of a crop around the
feature (Whittle's approximation [4]_). Where the footprint spans parts of very different
thickness the number is approximate to the spread of ``E`` over it (a few per cent for a neck
in a gap, whose footprint is mostly support and carbon rim).

The numbers are those of the renderer's forward model, with its approximations. One matters
for thin necks: the carbon rim is drawn only outside the projected outline
(:class:`~nanosinter.imaging.RenderSettings`), so a neck that joins two outlines replaces the
rims' carbon in the gap by the neck's own material; below a neck radius of ~1 nm on 7.7-nm
CdS spheres 1.3 nm apart the gap then gets *brighter* with the neck, and ``d'`` is not
monotone in the radius (0.5 nm: 1.5, 1.0 nm: 1.2 at 100 e/Å², texture known). A real shell
also covers the neck in front and behind; ``RenderSettings(rim_model="shell")`` draws such a
3-D shell (an option; the outline rim is the default the tests are calibrated with).

References
----------
.. [1] H. H. Barrett, K. J. Myers, *Foundations of Image Science*, Wiley 2004, ch. 13
   (the Hotelling observer and its detectability ``d'^2 = Delta^T K^-1 Delta``).
.. [2] S. M. Kay, *Fundamentals of Statistical Signal Processing: Detection Theory*, Prentice
   Hall 1998, sec. 4.5 (the generalised matched filter in coloured Gaussian noise).
.. [3] A. Rose, "The sensitivity performance of the human eye on an absolute scale",
   J. Opt. Soc. Am. 38, 196 (1948), doi:10.1364/JOSA.38.000196 (``d' >= 5``).
.. [4] P. Whittle, "The analysis of multiple stationary time series", J. R. Stat. Soc. B 15,
   125 (1953), doi:10.1111/j.2517-6161.1953.tb00131.x.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
from scipy import fft as sfft

from nanosinter.errors import FileFormatError, InputError
from nanosinter.imaging._render import _FWHM_PER_SIGMA, FrameRenderer

#: Rose's criterion: a feature counts as seen at ``d' >= 5`` (Rose 1948,
#: doi:10.1364/JOSA.38.000196).
ROSE_D_PRIME = 5.0


@dataclass(frozen=True)
class Detectability:
    """Ideal-observer detectability of a feature in one frame (or ``n_frames`` frames).

    Attributes
    ----------
    d_shot : float
        ``d'`` with shot noise only (support texture known): an upper bound.
    d_texture : float
        ``d'`` with the support texture unknown (stationary Gaussian approximation); equals
        ``d_shot`` up to the approximation when the renderer has no texture.
    peak_signal_counts : float
        Largest ``|Delta|`` in counts per pixel (one frame).
    noise_counts : float
        Shot-noise standard deviation (counts per pixel, one frame) at the feature, the
        signal-weighted mean of ``sqrt(E)``.
    n_feature_atoms : int
        Atoms in the feature.
    n_frames : int
        Frames of the same feature and support that were combined.
    """

    d_shot: float
    d_texture: float
    peak_signal_counts: float
    noise_counts: float
    n_feature_atoms: int
    n_frames: int = 1

    @property
    def seen(self) -> bool:
        """Rose's criterion on the realistic number: ``d_texture >= 5``."""
        return self.d_texture >= ROSE_D_PRIME


def feature_detectability(
    renderer: FrameRenderer,
    positions_nm: np.ndarray,
    Z: np.ndarray,
    feature: np.ndarray,
    *,
    rim_thickness_nm: float | None = None,
    n_frames: int = 1,
    pad_nm: float = 3.0,
) -> Detectability:
    """Detectability ``d'`` of the atoms ``feature`` in a frame rendered by ``renderer``.

    The frame is rendered without noise and without texture twice, with all atoms and without
    the feature's atoms (the carbon rim follows the outline in each, as in
    :meth:`FrameRenderer.render`), and ``d'`` of their difference is computed for shot noise
    alone and for shot noise plus the unknown support texture (module docstring).

    Parameters
    ----------
    renderer : FrameRenderer
        Microscope settings (dose, blur, texture contrast and correlation, rim) and grid.
    positions_nm : ndarray, shape (N, 3)
    Z : ndarray, shape (N,)
        Atomic numbers.
    feature : ndarray of bool, shape (N,)
        The atoms whose presence is to be detected.
    rim_thickness_nm : float or None, keyword-only
        Carbon-shell thickness, as in :meth:`FrameRenderer.render`.
    n_frames : int, keyword-only
        Frames of the same feature on the same (static) support to combine (default 1).
    pad_nm : float, keyword-only
        Margin around the feature's footprint for the crop of ``d_texture`` (default 3 nm,
        several texture correlation lengths).

    Returns
    -------
    Detectability

    Raises
    ------
    InputError
        Shapes that do not match, ``n_frames < 1``, or a negative ``pad_nm``.

    References
    ----------
    Barrett & Myers 2004, ch. 13; Kay 1998, sec. 4.5; Rose 1948, doi:10.1364/JOSA.38.000196
    (module docstring).
    """
    pos = np.asarray(positions_nm, dtype=np.float64)
    Z = np.asarray(Z)
    feature = np.asarray(feature, dtype=bool)
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise InputError(f"positions_nm must have shape (N, 3), got {pos.shape}")
    if Z.shape != (len(pos),) or feature.shape != (len(pos),):
        raise InputError(
            f"Z {Z.shape} and feature {feature.shape} must both have shape ({len(pos)},)"
        )
    if int(n_frames) != n_frames or n_frames < 1:
        raise InputError(f"n_frames must be a positive integer, got {n_frames!r}")
    if not np.isfinite(pad_nm) or pad_nm < 0:
        raise InputError(f"pad_nm must be >= 0, got {pad_nm!r}")
    n_feat = int(feature.sum())
    if n_feat == 0:
        return Detectability(0.0, 0.0, 0.0, float("nan"), 0, int(n_frames))

    s = renderer.settings
    with_all = renderer.render_expected(pos, Z, rim_thickness_nm=rim_thickness_nm)
    without = renderer.render_expected(pos[~feature], Z[~feature],
                                       rim_thickness_nm=rim_thickness_nm)
    delta = with_all - without
    peak = float(np.abs(delta).max())
    if peak == 0.0:
        return Detectability(0.0, 0.0, 0.0, float("nan"), n_feat, int(n_frames))
    E = np.maximum(without, 1e-12)
    w2 = delta**2
    d_shot = float(np.sqrt(n_frames * np.sum(w2 / E)))

    e_mean = float(np.sum(w2 * E) / np.sum(w2))
    noise = float(np.sqrt(e_mean))
    if s.texture_contrast <= 0:
        return Detectability(d_shot, d_shot, peak, noise, n_feat, int(n_frames))

    # crop: the footprint (|Delta| above 1e-3 of its peak) plus pad_nm
    px = s.pixel_size_nm
    pad = int(np.ceil(pad_nm / px))
    rows, cols = np.nonzero(np.abs(delta) > 1e-3 * peak)
    ny, nx = delta.shape
    r0, r1 = max(rows.min() - pad, 0), min(rows.max() + pad + 1, ny)
    c0, c1 = max(cols.min() - pad, 0), min(cols.max() + pad + 1, nx)
    dc = delta[r0:r1, c0:c1]
    n = dc.size
    fy = sfft.fftfreq(dc.shape[0], d=px)[:, None]
    fx = sfft.fftfreq(dc.shape[1], d=px)[None, :]
    f2 = fx**2 + fy**2
    # texture: unit-RMS field, Gaussian filter of sigma = correlation -> spectrum ~ filt^2,
    # normalised so that its per-pixel variance is 1; then the PSF and the local modulation
    filt2 = np.exp(-4.0 * (np.pi * s.texture_correlation_nm) ** 2 * f2)
    filt2 /= filt2.mean()
    sig_b = s.resolution_nm / _FWHM_PER_SIGMA if s.resolution_nm > 0 else 0.0
    psf2 = np.exp(-4.0 * (np.pi * sig_b) ** 2 * f2)
    spectrum = e_mean / n_frames + (s.texture_contrast * e_mean) ** 2 * psf2 * filt2
    dhat = sfft.fft2(dc)
    d_tex = float(np.sqrt(np.sum(np.abs(dhat) ** 2 / spectrum) / n))
    return Detectability(d_shot, d_tex, peak, noise, n_feat, int(n_frames))


#: Columns of ``MOVIE.visibility.csv`` (:func:`neck_visibility`).
VISIBILITY_COLUMNS = ("frame", "time_s", "snapshot_index", "n_bridge_atoms",
                      "peak_signal_counts", "noise_counts", "d_shot", "d_texture")


def visibility_path(movie_path: str | os.PathLike[str]) -> Path:
    """``MOVIE.visibility.csv``: the neck's ideal-observer visibility beside the movie."""
    return Path(str(movie_path) + ".visibility.csv")


def _line_of_centres(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two particles' centres (2-means of the projected atoms) and the unit axis."""
    from scipy.cluster.vq import kmeans2

    lo, hi = xy.min(axis=0), xy.max(axis=0)
    along = int(np.argmax(hi - lo))
    init = np.array([xy.mean(axis=0), xy.mean(axis=0)])
    init[0, along] = lo[along] + (hi[along] - lo[along]) / 4
    init[1, along] = hi[along] - (hi[along] - lo[along]) / 4
    cent, _ = kmeans2(xy, init, minit="matrix", iter=20)
    u = cent[1] - cent[0]
    norm = float(np.linalg.norm(u))
    if not np.isfinite(norm) or norm == 0.0:
        raise InputError("the first snapshot does not hold two separate particles")
    return cent, u / norm


def _empty_slab(s: np.ndarray, length: float, bin_nm: float = 0.05) -> tuple[float, float]:
    """Centre and half-width of the widest atom-free slab between 1/4 and 3/4 of the axis."""
    hist, edges = np.histogram(s, bins=np.arange(0.25 * length, 0.75 * length, bin_nm))
    empty = np.concatenate([[False], hist == 0, [False]]).astype(np.int8)
    starts = np.flatnonzero(np.diff(empty) == 1)
    ends = np.flatnonzero(np.diff(empty) == -1)
    if starts.size == 0:
        return float("nan"), 0.0
    k = int(np.argmax(ends - starts))
    lo, hi = edges[starts[k]], edges[ends[k]]
    return 0.5 * (lo + hi), 0.5 * (hi - lo)


def render_settings_of(movie_path: str | os.PathLike[str]):
    """The :class:`~nanosinter.imaging.RenderSettings` a movie was rendered with, from the
    metadata :func:`render_movie` writes (kept by hspy, zspy and h5).

    Raises
    ------
    InputError
        The movie carries no nanosinter render settings.
    """
    from nanosinter.imaging._render import RenderSettings
    from nanosinter.io import read_movie

    movie = read_movie(movie_path)
    rec = (movie.original_metadata or {}).get("nanosinter_render", {}).get("parameters", {})
    given = rec.get("settings")
    if not isinstance(given, dict):
        raise InputError(f"{movie_path}: no nanosinter render settings in its metadata; "
                         "was it written by render_movie? (or pass settings)")
    names = {f.name for f in fields(RenderSettings)}
    return RenderSettings(**{k: (tuple(v) if isinstance(v, list) else v)
                             for k, v in given.items() if k in names})


def neck_visibility(
    simdir: str | os.PathLike[str],
    movie_path: str | os.PathLike[str],
    *,
    every: int = 1,
    slab_nm: float | None = None,
    dose_e_per_A2: float | None = None,
    n_frames: int = 1,
    settings=None,
) -> list[dict]:
    """Ideal-observer visibility of the neck in each frame of a rendered two-particle movie.

    The *bridge* is the atoms in a slab across the line of the two particles' centres (2-means
    of the first snapshot's projected atoms): by default the widest slab that holds no atom in
    the first snapshot (its gap), else ``slab_nm`` wide about the same plane. For each sampled
    snapshot, :func:`feature_detectability` gives ``d_shot`` and ``d_texture`` of the bridge,
    rendered with the movie's own settings (read from its metadata) and grid. The slab is the
    bridge's core only (the fillets beside it stay), so ``d'`` slightly underestimates the
    whole neck's.

    Parameters
    ----------
    simdir : path
        The simulation folder the movie was rendered from.
    movie_path : path
        A movie written by :func:`render_movie` (its ``MOVIE.truth.csv`` beside it).
    every : int, keyword-only
        Every ``every``-th snapshot (the first two always).
    slab_nm : float or None, keyword-only
        Bridge slab width; ``None``: the first snapshot's atom-free gap.
    dose_e_per_A2 : float or None, keyword-only
        What if: another dose per frame (default: the movie's).
    n_frames : int, keyword-only
        What if: this many frames of each snapshot's neck were combined (default 1).
    settings : RenderSettings or None, keyword-only
        The render settings of the movie; ``None`` reads them from the movie's metadata
        (written by :func:`render_movie` into formats that keep it: hspy, zspy, h5).

    Returns
    -------
    list of dict
        One row per sampled snapshot with :data:`VISIBILITY_COLUMNS` (``frame``: the first
        frame that shows the snapshot).

    Raises
    ------
    InputError
        ``every < 1``, a negative ``slab_nm``, a movie without render settings, or a first
        snapshot without two separate particles (no gap between them).
    FileFormatError
        Unreadable simulation folder, movie or truth table.

    References
    ----------
    Barrett & Myers 2004, ch. 13; Rose 1948, doi:10.1364/JOSA.38.000196 (module docstring).
    """
    from nanosinter.imaging._movie import _atomic_numbers, grid_for_snapshots, truth_paths
    from nanosinter.kmc.snapshots import read_index, read_snapshot

    if int(every) != every or every < 1:
        raise InputError(f"every must be a positive integer, got {every!r}")
    if slab_nm is not None and not (np.isfinite(slab_nm) and slab_nm > 0):
        raise InputError(f"slab_nm must be > 0, got {slab_nm!r}")
    if settings is None:
        settings = render_settings_of(movie_path)
    if dose_e_per_A2 is not None:
        settings = replace(settings, dose_e_per_A2=float(dose_e_per_A2))
    truth_csv, _ = truth_paths(movie_path)
    try:
        with open(truth_csv, newline="", encoding="utf-8") as fh:
            truth = list(csv.DictReader(fh))
        frame_of = {}
        for r in truth:
            frame_of.setdefault(int(r["snapshot_index"]), (int(r["frame"]), float(r["time_s"])))
    except (OSError, KeyError, ValueError) as exc:
        raise FileFormatError(f"{truth_csv}: unreadable truth table ({exc})") from None

    rows = read_index(simdir)
    first = read_snapshot(rows[0][3])
    last = read_snapshot(rows[-1][3]) if len(rows) > 1 else first
    loaded = {rows[0][3]: first, rows[-1][3]: last}  # not read again in the loop
    renderer = FrameRenderer(grid_for_snapshots([first, last], settings), settings, rng=0)
    xy0 = np.asarray(first.positions_nm, dtype=np.float64)[:, :2]
    cent, u = _line_of_centres(xy0)
    length = float((cent[1] - cent[0]) @ u)
    mid, half = _empty_slab((xy0 - cent[0]) @ u, length)
    if half == 0.0 and slab_nm is None:
        raise InputError("the first snapshot has no gap between the particles; give slab_nm")
    if not np.isfinite(mid):
        mid = 0.5 * length
    half = 0.5 * slab_nm if slab_nm is not None else half

    out = []
    for k, (idx, _t, _ev, path) in enumerate(rows):
        if k % every and k != 1:
            continue
        if int(idx) not in frame_of:
            continue
        snap = loaded.get(path) or read_snapshot(path)
        pos = np.asarray(snap.positions_nm)
        feat = np.abs((pos[:, :2] - cent[0]) @ u - mid) < half
        det = feature_detectability(renderer, pos, _atomic_numbers(snap), feat,
                                    rim_thickness_nm=snap.carbon_shell_nm,
                                    n_frames=n_frames)
        frame, time_s = frame_of[int(idx)]
        out.append({"frame": frame, "time_s": time_s, "snapshot_index": int(idx),
                    "n_bridge_atoms": det.n_feature_atoms,
                    "peak_signal_counts": det.peak_signal_counts,
                    "noise_counts": det.noise_counts, "d_shot": det.d_shot,
                    "d_texture": det.d_texture})
    return out


def write_neck_visibility(rows: list[dict], path: str | os.PathLike[str]) -> Path:
    """Write :func:`neck_visibility` rows as CSV (atomically: a temp file, then rename)."""
    from nanosinter._atomic import atomic_open

    path = Path(path)
    with atomic_open(path, "w") as fh:
        w = csv.DictWriter(fh, fieldnames=list(VISIBILITY_COLUMNS), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r[c] for c in VISIBILITY_COLUMNS})
    return path


def first_visible_frame(rows: list[dict], key: str = "d_shot",
                        threshold: float = ROSE_D_PRIME) -> int | None:
    """First frame whose ``key`` reaches ``threshold`` (Rose's 5), or None."""
    for r in sorted(rows, key=lambda r: int(r["frame"])):
        if float(r[key]) >= threshold:
            return int(r["frame"])
    return None


#: Zinc-blende lattice constants (nm) and (cation, anion) atomic numbers of the paper's two
#: materials (PHYSICS.md §4: CdS 5.818 Å, CdSe 6.077 Å).
ZINC_BLENDE = {"CdS": (0.5818, (48, 16)), "CdSe": (0.6077, (48, 34))}

_FCC_BASIS = np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])


def bridged_dimer_atoms(
    radius_nm: float, gap_nm: float, neck_nm: float, *, material: str = "CdS",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two zinc-blende spheres on the support with a gap, bridged by a cylindrical neck.

    The spheres (radius ``radius_nm``, bottoms on the support at z = 0) lie along x with
    ``gap_nm`` between their surfaces; the neck is the cylinder of radius ``neck_nm`` about the
    line of centres across the gap, up to where it meets the spheres' caps.

    Returns
    -------
    positions_nm : ndarray (N, 3), float32
    Z : ndarray (N,)
        Atomic numbers (cation, anion of ``material``).
    neck : ndarray of bool (N,)
        The neck's atoms (outside both spheres).

    Raises
    ------
    InputError
        A non-positive radius, a negative gap or neck, a neck wider than the spheres, or an
        unknown material.
    """
    if material not in ZINC_BLENDE:
        raise InputError(f"material must be one of {sorted(ZINC_BLENDE)}, got {material!r}")
    vals = {"radius_nm": radius_nm, "gap_nm": gap_nm, "neck_nm": neck_nm}
    for name, v in vals.items():
        if not np.isfinite(v) or v < 0 or (name == "radius_nm" and v == 0):
            raise InputError(f"{name} must be {'> 0' if name == 'radius_nm' else '>= 0'}, "
                             f"got {v!r}")
    if neck_nm >= radius_nm:
        raise InputError(f"neck_nm ({neck_nm}) must be below radius_nm ({radius_nm})")
    a, (z_cat, z_an) = ZINC_BLENDE[material]
    r, g = float(radius_nm), float(gap_nm)
    half_x = r + g / 2.0
    n = int(np.ceil((2 * r + g / 2) / a)) + 2
    nz = int(np.ceil(r / a)) + 2
    ii, jj, kk = np.meshgrid(np.arange(-n, n + 1), np.arange(-nz, nz + 1),
                             np.arange(-nz, nz + 1), indexing="ij")
    cells = np.stack([ii, jj, kk], axis=-1).reshape(-1, 1, 3)
    cat = (cells + _FCC_BASIS).reshape(-1, 3) * a
    pos = np.vstack([cat, cat + 0.25 * a])
    Z = np.concatenate([np.full(len(cat), z_cat), np.full(len(cat), z_an)])
    in_1 = np.sum((pos - (-half_x, 0.0, 0.0)) ** 2, axis=1) <= r * r
    in_2 = np.sum((pos - (half_x, 0.0, 0.0)) ** 2, axis=1) <= r * r
    # the cylinder meets a cap of radius r where the cap's section is neck_nm wide: depth
    # r - sqrt(r^2 - neck^2) from the tip
    reach = g / 2.0 + r - np.sqrt(r * r - neck_nm * neck_nm) + 0.3
    neck = ((np.abs(pos[:, 0]) <= reach) & (np.hypot(pos[:, 1], pos[:, 2]) < neck_nm)
            & ~in_1 & ~in_2)
    keep = in_1 | in_2 | neck
    pos = pos[keep]
    pos[:, 2] += r
    return pos.astype(np.float32), Z[keep], neck[keep]


def neck_detectability_table(
    radius_nm: float, gap_nm: float, necks_nm, doses_e_per_A2, *, material: str = "CdS",
    settings=None, n_frames: int = 1,
) -> list[dict]:
    """Planning: ``d'`` of necks of several radii between two spheres, at several doses.

    For each neck radius, :func:`bridged_dimer_atoms` builds the dimer, and
    :func:`feature_detectability` gives the neck's ``d_shot`` and ``d_texture`` per dose (the
    renderer's defaults, :class:`~nanosinter.imaging.RenderSettings`, unless ``settings``:
    0.1 nm/px, 300 kV, 4 % texture of 0.4 nm grain, 1 nm carbon rim, 0.3 nm blur).

    Returns
    -------
    list of dict
        ``neck_nm, dose_e_per_A2, n_frames, n_neck_atoms, peak_signal_counts, noise_counts,
        d_shot, d_texture, seen`` (``seen``: Rose's ``d_texture >= 5``).

    Raises
    ------
    InputError
        Bad geometry (:func:`bridged_dimer_atoms`), a non-positive dose, or ``n_frames < 1``.

    References
    ----------
    Barrett & Myers 2004, ch. 13; Rose 1948, doi:10.1364/JOSA.38.000196 (module docstring).
    """
    from nanosinter.imaging._project import Grid
    from nanosinter.imaging._render import RenderSettings

    base = settings or RenderSettings()
    doses = [float(d) for d in np.atleast_1d(doses_e_per_A2)]
    if not doses or any(not np.isfinite(d) or d <= 0 for d in doses):
        raise InputError(f"doses must be > 0, got {doses_e_per_A2!r}")
    r, g = float(radius_nm), float(gap_nm)
    fov = (2 * r + 6.0, 4 * r + g + 6.0)
    rows = []
    for rn in np.atleast_1d(necks_nm):
        pos, Z, neck = bridged_dimer_atoms(r, g, float(rn), material=material)
        for dose in doses:
            s = replace(base, dose_e_per_A2=dose)
            renderer = FrameRenderer(Grid.around((0.0, 0.0), fov, s.pixel_size_nm), s, rng=0)
            det = feature_detectability(renderer, pos, Z, neck, n_frames=n_frames)
            rows.append({"neck_nm": float(rn), "dose_e_per_A2": dose, "n_frames": int(n_frames),
                         "n_neck_atoms": det.n_feature_atoms,
                         "peak_signal_counts": det.peak_signal_counts,
                         "noise_counts": det.noise_counts, "d_shot": det.d_shot,
                         "d_texture": det.d_texture, "seen": det.seen})
    return rows
