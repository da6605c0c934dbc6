"""Figure 3f,g of Tang et al. (2023) from simulation ground truth: r, 1/R, r1, r2 vs time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter.errors import FileFormatError


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    import csv

    try:
        with open(path, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read observables ({exc})") from None
    if not rows:
        raise FileFormatError(f"{path}: no observation rows")
    out = {}
    for key in rows[0]:
        out[key] = np.array([float(r[key]) if r[key] != "" else np.nan for r in rows])
    return out


def plot_observables(observables_csv: str | Path, png_path: str | Path) -> Path:
    """Plot neck radius r, neck curvature 1/R and lobe radii r1, r2 against time.

    Parameters
    ----------
    observables_csv : path
        ``observables.csv`` of a simulation folder.
    png_path : path
        Output PNG (written atomically).

    Returns
    -------
    Path
        *png_path*.

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023), Figure 3f,g.
       doi:10.3390/nano13243082
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    d = _read_csv(Path(observables_csv))
    for col in ("time_s", "neck_radius_nm", "neck_curvature_radius_nm", "r1_nm", "r2_nm"):
        if col not in d:
            raise FileFormatError(f"{observables_csv}: missing column {col}")
    t = d["time_s"] / 60.0
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 3.8), constrained_layout=True)
    ax1.plot(t, d["neck_radius_nm"], "o-", ms=3, color="tab:blue", label="neck radius r")
    ax1.set_xlabel("time (min)")
    ax1.set_ylabel("r (nm)", color="tab:blue")
    ax1b = ax1.twinx()
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_r = 1.0 / d["neck_curvature_radius_nm"]
    ax1b.plot(t, inv_r, "s-", ms=3, color="tab:red", label="1/R")
    ax1b.set_ylabel("1/R (1/nm)", color="tab:red")
    ax1.set_title("neck (cf. Tang et al. 2023, Fig. 3f)")
    ax2.plot(t, d["r1_nm"], "o-", ms=3, label="r1")
    ax2.plot(t, d["r2_nm"], "s-", ms=3, label="r2")
    if "contact" in d and np.any(d["contact"] == 1):
        t_c = t[np.argmax(d["contact"] == 1)]
        for ax in (ax1, ax2):
            ax.axvline(t_c, color="0.5", ls=":", lw=1)
    ax2.set_xlabel("time (min)")
    ax2.set_ylabel("lobe radius (nm)")
    ax2.legend()
    ax2.set_title("particle radii (cf. Fig. 3g)")
    png_path = Path(png_path)
    with atomic_path(png_path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return png_path


def plot_particle_tracks(simdir: str | Path, png_path: str | Path) -> Path:
    """Migration runs: particle tracks on the support, their MSD before contact, merges.

    Three panels from the ground truth of a simulation folder with ``particles.csv``
    (``[migration]`` on): (a) top view of the atoms (upper half) at the first and last snapshot
    with the anchor track of every initial particle; (b) the mean squared displacement of the
    particles while each is still a body of its own, divided by 4 D(r) of its radius (a 2-D
    random walk with the configured D gives the line y = lag), over the lags that at least three
    particles reach before merging; (c) the number of separate bodies.

    Parameters
    ----------
    simdir : path
        Simulation folder (``particles.csv``, ``observables.csv``, ``config.toml``,
        ``snapshots/``).
    png_path : path
        Output PNG (written atomically).

    Returns
    -------
    Path
        *png_path*.

    References
    ----------
    .. [1] E. E. Gruber, J. Appl. Phys. 38, 243 (1967). doi:10.1063/1.1708962
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from nanosinter.kmc._config import load_toml, resolve
    from nanosinter.kmc._migration import diffusion_coefficient_nm2_per_s
    from nanosinter.kmc.snapshots import read_index, read_snapshot

    simdir = Path(simdir)
    p = _read_csv(simdir / "particles.csv")
    obs = _read_csv(simdir / "observables.csv")
    mig = resolve(load_toml(simdir / "config.toml"))["migration"]
    snaps = read_index(simdir)
    first, last = read_snapshot(snaps[0][3]), read_snapshot(snaps[-1][3])

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 4.4), constrained_layout=True)
    for snap, color, label in ((first, "0.85", f"t = {first.time_s:g} s"),
                               (last, "0.45", f"t = {last.time_s:g} s")):
        top = snap.positions_nm[:, 2] > 0.5 * snap.positions_nm[:, 2].max()
        ax1.scatter(snap.positions_nm[top, 0], snap.positions_nm[top, 1], s=0.2, c=color,
                    rasterized=True, label=label)
    tracks = np.unique(p["track_id"]).astype(int)
    times = np.unique(p["time_s"])
    alone = np.zeros(p["time_s"].size, dtype=bool)
    for t in times:
        at = np.flatnonzero(p["time_s"] == t)
        bodies, counts = np.unique(p["body"][at], return_counts=True)
        alone[at] = np.isin(p["body"][at], bodies[counts == 1])
    lags: dict[int, list[float]] = {}
    for i in tracks:
        sel = np.flatnonzero(p["track_id"] == i)
        x, y = p["x_nm"][sel], p["y_nm"][sel]
        line, = ax1.plot(x, y, lw=1.2, label=f"particle {i}")
        ax1.plot(x[0], y[0], "o", color=line.get_color(), ms=4)
        solo = alone[sel]
        n_solo = int(np.argmin(solo)) if not solo.all() else solo.size
        if n_solo < solo.size:
            ax1.plot(x[n_solo], y[n_solo], "x", color="k", ms=7)
        r = p["body_radius_nm"][sel[0]]
        d = float(diffusion_coefficient_nm2_per_s(
            r, prefactor_nm2_per_s=mig["prefactor_nm2_per_s"],
            reference_radius_nm=mig["reference_radius_nm"], exponent=mig["exponent"]))
        for k in range(1, n_solo):
            dx, dy = x[k:n_solo] - x[:n_solo - k], y[k:n_solo] - y[:n_solo - k]
            lags.setdefault(k, []).append((dx**2 + dy**2) / (4 * d))
    ax1.set_aspect("equal")
    ax1.set_xlabel("x (nm)")
    ax1.set_ylabel("y (nm)")
    ax1.set_title("(a) anchor tracks on the support (x: first merge)")
    ax1.legend(fontsize=7, markerscale=6, loc="upper right")
    dt = float(np.median(np.diff(times))) if times.size > 1 else 1.0
    # lags that at least 3 particles reach before their first merge
    ks = sorted(k for k, v in lags.items() if len(v) >= min(3, len(tracks)))
    if ks:
        tau = np.array(ks) * dt
        mean = np.array([np.mean(np.concatenate(lags[k])) for k in ks])
        ax2.plot(tau, mean, "o", ms=3, label="<|dr|^2> / 4D(r), before merging")
        ax2.plot(tau, tau, "k--", lw=1, label="2-D walk with D(r): y = lag")
        ax2.legend(fontsize=8)
    ax2.set_xlabel("lag (s)")
    ax2.set_ylabel("MSD / 4D(r) (s)")
    ax2.set_title(f"(b) MSD before contact (D ~ r^-{mig['exponent']:g})")
    ax3.step(obs["time_s"], obs["n_bodies"], where="post")
    ax3.set_xlabel("time (s)")
    ax3.set_ylabel("separate bodies")
    ax3.yaxis.get_major_locator().set_params(integer=True)
    ax3.set_title("(c) migration and coalescence")
    png_path = Path(png_path)
    with atomic_path(png_path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return png_path
