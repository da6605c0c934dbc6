"""Forward models for the analysis tests: dimer specimens rendered into movies with known truth.

Two routes, both with exactly known geometry:

- :func:`dimer_atoms` fills the solid of revolution of the dimer forward model
  (:func:`nanosinter.geometry.dimer_shape`) with zinc-blende CdSe atoms, so that the renderer
  (:class:`nanosinter.imaging.FrameRenderer`) images it with mass-thickness contrast, support
  texture, carbon rim, blur and Poisson noise;
- :func:`simple_frame` is a renderer-free stand-in (projected thickness of the same solid,
  exponential attenuation, texture, blur, Poisson noise) for fast unit tests.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from nanosinter.geometry import dimer_shape, inside_dimer
from nanosinter.io import Movie

A_CDSE_NM = 0.6077  # zinc-blende CdSe lattice constant (PHYSICS.md §4)
_FCC = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])


def dimer_atoms(r1_nm, r2_nm, center_distance_nm, neck_radius_nm=0.0, *, angle_deg=0.0):
    """Atoms (N, 3) and Z (N,) of the revolved dimer: lobe centres at z = max(r1, r2).

    The midpoint between the lobe centres is at x = y = 0; the line of centres lies in the
    support plane at ``angle_deg`` from +x.
    """
    shape = dimer_shape(r1_nm=r1_nm, r2_nm=r2_nm, center_distance_nm=center_distance_nm,
                        neck_radius_nm=neck_radius_nm)
    d = shape.center_distance_nm
    half_len = d / 2 + max(r1_nm, r2_nm) + 1
    rmax = max(r1_nm, r2_nm) + 1
    n = int(np.ceil(max(half_len, rmax) / A_CDSE_NM)) + 1
    cells = np.arange(-n, n + 1)
    grid = np.stack(np.meshgrid(cells, cells, cells, indexing="ij"), axis=-1).reshape(-1, 1, 3)
    cat = (grid + _FCC).reshape(-1, 3) * A_CDSE_NM
    an = cat + 0.25 * A_CDSE_NM
    pos = np.vstack([cat, an])
    z_all = np.concatenate([np.full(len(cat), 48), np.full(len(an), 34)])
    # Model frame: axis along x through the lobe centres, radius from the axis.
    s = pos[:, 0] + d / 2
    rho = np.hypot(pos[:, 1], pos[:, 2])
    keep = inside_dimer(s, rho, shape)
    pos, z_all = pos[keep], z_all[keep]
    th = np.deg2rad(angle_deg)
    x = pos[:, 0] * np.cos(th) - pos[:, 1] * np.sin(th)
    y = pos[:, 0] * np.sin(th) + pos[:, 1] * np.cos(th)
    zc = max(r1_nm, r2_nm)
    return np.column_stack([x, y, pos[:, 2] + zc]).astype(np.float32), z_all


def projected_thickness_nm(shape_px, pixel_size_nm, shape, *, center_nm, angle_deg=0.0):
    """Projected thickness (nm) of the revolved dimer, 4x4 supersampled per pixel."""
    ny, nx = shape_px
    k = 4
    offs = (np.arange(k) + 0.5) / k - 0.5
    yy = (np.arange(ny)[:, None] + offs).ravel() * pixel_size_nm
    xx = (np.arange(nx)[:, None] + offs).ravel() * pixel_size_nm
    th = np.deg2rad(angle_deg)
    dx = xx[None, :] - center_nm[0]
    dy = yy[:, None] - center_nm[1]
    s = dx * np.cos(th) + dy * np.sin(th) + shape.center_distance_nm / 2
    t = np.abs(-dx * np.sin(th) + dy * np.cos(th))
    # Half-width profile rho(s) of the model: largest t inside at each s, on a fine grid.
    s_grid = np.linspace(s.min(), s.max(), 2000)
    t_grid = np.linspace(0, max(shape.r1_nm, shape.r2_nm) * 1.01, 800)
    inside = inside_dimer(s_grid[:, None], t_grid[None, :], shape)
    rho = np.where(inside.any(axis=1), t_grid[np.maximum(inside.sum(axis=1) - 1, 0)], 0.0)
    rho[~inside.any(axis=1)] = 0.0
    rho_s = np.interp(s, s_grid, rho)
    thick = 2.0 * np.sqrt(np.clip(rho_s**2 - t**2, 0.0, None))
    return thick.reshape(ny, k, nx, k).mean(axis=(1, 3))


def simple_frame(thickness_nm, *, rng, dose_counts=100.0, mfp_nm=52.0, texture=0.04,
                 blur_px=1.3, drift_px=(0.0, 0.0), texture_field=None):
    """Bright-field frame: exp(-t/mfp) x (1 + texture) blurred, shifted, Poisson noise."""
    inten = np.exp(-thickness_nm / mfp_nm)
    if texture_field is not None:
        inten = inten * (1.0 + texture * texture_field)
    inten = ndi.gaussian_filter(inten, blur_px)
    if drift_px != (0.0, 0.0):
        inten = ndi.shift(inten, (drift_px[1], drift_px[0]), order=3, mode="nearest")
    return rng.poisson(np.clip(inten, 0, None) * dose_counts).astype(np.float32)


def texture_field(shape_px, *, rng, corr_px=4.0):
    """Unit-rms Gaussian random field (amorphous support texture)."""
    f = ndi.gaussian_filter(rng.standard_normal(shape_px), corr_px, mode="wrap")
    return f / f.std()


def simple_movie(frames_truth, *, shape_px=(256, 320), pixel_size_nm=0.1, rng=0,
                 drift_nm=None, dose_counts=100.0, fps=1.0):
    """Movie of dimers: ``frames_truth`` is a list of dicts of dimer_shape kwargs.

    Returns (Movie, list of DimerShape, drift (n, 2) in nm).
    """
    rng = np.random.default_rng(rng)
    n = len(frames_truth)
    if drift_nm is None:
        drift_nm = np.zeros((n, 2))
    tex = texture_field(shape_px, rng=rng)
    frames, shapes = [], []
    ny, nx = shape_px
    centre = ((nx - 1) / 2 * pixel_size_nm, (ny - 1) / 2 * pixel_size_nm)
    for i, kw in enumerate(frames_truth):
        shape = dimer_shape(**kw)
        c = (centre[0] + drift_nm[i][0], centre[1] + drift_nm[i][1])
        thick = projected_thickness_nm(shape_px, pixel_size_nm, shape, center_nm=c)
        tex_i = ndi.shift(tex, (drift_nm[i][1] / pixel_size_nm, drift_nm[i][0] / pixel_size_nm),
                          order=1, mode="wrap")
        frames.append(simple_frame(thick, rng=rng, dose_counts=dose_counts, texture_field=tex_i))
        shapes.append(shape)
    movie = Movie(frames=np.stack(frames), pixel_size_nm=pixel_size_nm,
                  frame_times_s=np.arange(n) / fps)
    return movie, shapes, np.asarray(drift_nm, dtype=float)


def dimer_sequence(r1_nm=7.0, r2_nm=6.5, *, n_approach=8, n_neck=12, gap0_nm=2.5,
                   gap1_nm=0.5, neck0_nm=1.0, neck1_frac=0.6):
    """dimer_shape kwargs of a sintering sequence: approach (gaps shrink), contact, neck grows.

    The first ``n_approach`` frames have gaps from ``gap0_nm`` to ``gap1_nm``; contact is at
    frame ``n_approach`` with a neck of ``neck0_nm`` growing to ``neck1_frac * min(r1, r2)``
    while the centres move closer by 0.03 nm per frame.
    """
    seq = [dict(r1_nm=r1_nm, r2_nm=r2_nm, center_distance_nm=r1_nm + r2_nm + g,
                neck_radius_nm=0.0) for g in np.linspace(gap0_nm, gap1_nm, n_approach)]
    necks = np.linspace(neck0_nm, neck1_frac * min(r1_nm, r2_nm), n_neck)
    seq += [dict(r1_nm=r1_nm, r2_nm=r2_nm, center_distance_nm=r1_nm + r2_nm - 0.05 - 0.03 * k,
                 neck_radius_nm=float(rn)) for k, rn in enumerate(necks)]
    return seq


def rendered_dimer_movie(seq, *, seed=1, pixel_size_nm=0.1, dose_e_per_A2=100.0,
                         drift_step_nm=0.1, angle_deg=10.0, fps=1.0, margin_nm=5.0,
                         **settings_kw):
    """Render a dimer sequence with the real renderer (texture, rim, blur, Poisson noise).

    ``settings_kw`` go to ``RenderSettings`` (e.g. ``texture_contrast=0`` or
    ``rim_thickness_nm=0`` to measure what one ingredient costs the analysis).
    Returns (Movie, list of DimerShape, drift (n, 2) nm of each frame relative to frame 0).
    """
    from nanosinter.imaging import FrameRenderer, RenderSettings
    from nanosinter.imaging._project import Grid

    r_max = max(max(kw["r1_nm"], kw["r2_nm"]) for kw in seq)
    length = max(kw["center_distance_nm"] + kw["r1_nm"] + kw["r2_nm"] for kw in seq)
    settings = RenderSettings(pixel_size_nm=pixel_size_nm, dose_e_per_A2=dose_e_per_A2,
                              **settings_kw)
    grid = Grid.around((0.0, 0.0), (2 * r_max + 2 * margin_nm, length + 2 * margin_nm + 4),
                       pixel_size_nm)
    rng = np.random.default_rng(seed)
    renderer = FrameRenderer(grid, settings, rng=rng)
    drift = np.cumsum(rng.normal(0.0, drift_step_nm, (len(seq), 2)), axis=0)
    drift -= drift[0]
    frames, shapes = [], []
    for i, kw in enumerate(seq):
        pos, z = dimer_atoms(**kw, angle_deg=angle_deg)
        frames.append(renderer.render(pos, z, drift_nm=(float(drift[i, 0]), float(drift[i, 1])))
                      .image.astype(np.float32))
        shapes.append(dimer_shape(**kw))
    movie = Movie(frames=np.stack(frames), pixel_size_nm=pixel_size_nm,
                  frame_times_s=np.arange(len(seq)) / fps)
    return movie, shapes, drift


def truth_volume_nm3(shape):
    """Volume of the solid of revolution of a DimerShape (spheres plus neck)."""
    from nanosinter.analysis import half_width

    d = shape.center_distance_nm
    s = np.linspace(-shape.r1_nm, d + shape.r2_nm, 20001)
    rn = shape.neck_radius_nm if (shape.contact and shape.neck_curvature_radius_nm > 0) else 0.0
    rho = half_width(s, shape.r1_nm, shape.r2_nm, d, rn)
    return float(np.pi * np.trapezoid(rho * rho, s))


def spheres_frame(centres_nm, radii_nm, *, shape_px=(200, 200), pixel_size_nm=0.1, rng=0,
                  dose_counts=100.0, mfp_nm=52.0, texture=0.04, texture_seed=12345):
    """Bright-field frame of separate spheres (exact projected thickness) with texture,
    blur and Poisson noise; returns float32 counts. The support texture depends only on
    ``texture_seed`` (the same support in every frame of a movie); ``rng`` seeds the noise."""
    tex = texture_field(shape_px, rng=np.random.default_rng(texture_seed))
    rng = np.random.default_rng(rng)
    ny, nx = shape_px
    yy, xx = np.mgrid[0:ny, 0:nx] * pixel_size_nm
    thick = np.zeros(shape_px)
    for (cx, cy), r in zip(centres_nm, radii_nm, strict=True):
        thick += 2.0 * np.sqrt(np.clip(r * r - (xx - cx) ** 2 - (yy - cy) ** 2, 0.0, None))
    return simple_frame(thick, rng=rng, dose_counts=dose_counts, mfp_nm=mfp_nm,
                        texture=texture, texture_field=tex)


def random_spheres(n, *, box_nm, mean_d_nm=15.4, std_d_nm=1.5, rng=0, min_gap_nm=2.0):
    """Non-overlapping sphere centres and radii inside a box (diameters ~ normal)."""
    rng = np.random.default_rng(rng)
    centres, radii = [], []
    tries = 0
    while len(radii) < n and tries < 20000:
        tries += 1
        r = max(rng.normal(mean_d_nm, std_d_nm), 4.0) / 2
        c = rng.uniform(r + 1, np.array(box_nm) - r - 1)
        if all(np.hypot(*(c - c2)) > r + r2 + min_gap_nm for c2, r2 in zip(centres, radii,
                                                                          strict=True)):
            centres.append(c)
            radii.append(r)
    return np.array(centres), np.array(radii)
