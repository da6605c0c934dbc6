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
