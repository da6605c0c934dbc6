"""Figures for the report: neck growth with the fitted laws, and the Tang et al. Fig. 3f,g panel.

Figures are built on :class:`matplotlib.figure.Figure` (no pyplot state, Agg rendering), so they
can be made in threads and in headless runs; pass ``path`` to also write a PNG atomically.
"""

from __future__ import annotations

import os

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter.kinetics._fit import NeckGrowthFit
from nanosinter.kinetics._table import DimerTable

_LAW_STYLE = {
    "viscous_flow": ("tab:gray", ":"),
    "evaporation_condensation": ("tab:purple", ":"),
    "volume_diffusion": ("tab:green", "--"),
    "grain_boundary_diffusion": ("tab:orange", "--"),
    "surface_diffusion": ("tab:red", "-"),
    "power_law": ("k", "-."),
    "two_stage": ("tab:blue", "-"),
    "constant": ("tab:brown", ":"),
}


def save_figure(fig, path: str | os.PathLike[str], *, dpi: int = 150) -> None:
    """Write *fig* as PNG to *path* atomically (temporary file, then rename)."""
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")


def _time_axis(t_s: np.ndarray) -> tuple[float, str]:
    top = float(np.nanmax(t_s))
    if top > 300:
        return 60.0, "min"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if top >= 0.3 * scale:
            return scale, unit
    return 1e-9, "ns"


def plot_neck_growth(fit: NeckGrowthFit, *, path: str | os.PathLike[str] | None = None):
    """Neck growth x/a against time since contact with every fitted model.

    Left: log–log, where each law is a straight line of slope 1/n (bending at early times when
    a time offset t0 was fitted: the line is straight in t + t0), with the Nichols–Mullins
    window 0.05 <= x/a <= 0.3 shaded. Right: linear axes with the best model and the two-stage
    model, as in Tang et al.'s description (fast first minutes, then linear).

    Parameters
    ----------
    fit : NeckGrowthFit
    path : path-like, optional, keyword-only
        Also write the figure here as PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax_log, ax_lin = fig.subplots(1, 2)
    t, r = fit.time_s, fit.x_over_a
    tt = np.geomspace(t.min(), t.max(), 200)
    crit = f"{fit.criterion}_weight"
    ax_log.axhspan(0.05, 0.3, color="0.92", zorder=0, label="Nichols–Mullins window")
    ax_log.loglog(t, r, "o", ms=3.5, color="0.2", label="measured")
    for m in fit.models:
        color, ls = _LAW_STYLE.get(m.key, ("k", "-"))
        lw = 2.2 if m.key == fit.best else 1.1
        lab = f"{m.label} (w = {getattr(m, crit):.2f})"
        if "n" in m.params and m.key != "constant":
            lab = f"{m.label}, n = {m.params['n']:.2g} (w = {getattr(m, crit):.2f})"
        ax_log.loglog(tt, m.predict(tt), ls=ls, color=color, lw=lw, label=lab)
    ax_log.set_xlabel("time since contact (s)")
    ax_log.set_ylabel("x / a")
    ax_log.set_title(f"neck growth, models by {fit.criterion.upper()} weight")
    ax_log.legend(fontsize=7, loc="lower right")
    scale, unit = _time_axis(t)
    tl = np.linspace(0, t.max(), 300)
    ax_lin.plot(t / scale, r, "o", ms=3.5, color="0.2", label="measured")
    for key in dict.fromkeys((fit.best, "two_stage", fit.best_law)):
        try:
            m = fit.model(key)
        except ValueError:
            continue
        color, ls = _LAW_STYLE.get(key, ("k", "-"))
        ax_lin.plot(tl / scale, m.predict(tl), ls=ls, color=color, label=m.label)
    ax_lin.set_xlabel(f"time since contact ({unit})")
    ax_lin.set_ylabel("x / a")
    ax_lin.set_ylim(bottom=0)
    ax_lin.set_xlim(left=0)
    ax_lin.legend(fontsize=8)
    ax_lin.set_title(f"a = {fit.particle_radius_nm:.2f} nm")
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_dimer_curves(
    table: DimerTable,
    *,
    truth: DimerTable | None = None,
    path: str | os.PathLike[str] | None = None,
):
    """The paper-style panel: 1/R (neck curvature) and r1, r2, r (neck radius) against time.

    Reproduces the layout of Tang et al. (2023) Fig. 3f,g from a dimer table; with *truth*
    (e.g. the KMC ``observables.csv`` or the rendered movie's ``truth.csv``) the true curves
    are drawn as lines under the measured points.

    Parameters
    ----------
    table : DimerTable
        Measured record (``*_err`` columns become error bars).
    truth : DimerTable, optional, keyword-only
        Ground truth on the same clock.
    path : path-like, optional, keyword-only
        Also write the figure here as PNG.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023), Fig. 3f,g. doi:10.3390/nano13243082
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax_f, ax_g = fig.subplots(1, 2)
    scale, unit = _time_axis(table.time_s)

    def inv(rho):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(rho > 0, 1.0 / rho, np.nan)

    def series(tab):
        rho = tab.get("neck_curvature_radius_nm")
        out = {"1/R": None if rho is None else (inv(rho), None)}
        rho_err = tab.error("neck_curvature_radius_nm")
        if rho is not None and rho_err is not None:
            out["1/R"] = (inv(rho), rho_err / np.where(rho > 0, rho, np.nan) ** 2)
        for key, name in (("r1_nm", "r1"), ("r2_nm", "r2"), ("neck_radius_nm", "r")):
            out[name] = (tab.get(key), tab.error(key))
        return out

    meas = series(table)
    colors = {"1/R": "tab:purple", "r1": "tab:red", "r2": "tab:green", "r": "tab:blue"}
    for ax, names in ((ax_f, ("1/R",)), (ax_g, ("r1", "r2", "r"))):
        for name in names:
            if meas[name] is None:
                continue
            y, err = meas[name]
            ax.errorbar(table.time_s / scale, y, yerr=err, fmt="o", ms=3, lw=0.8,
                        color=colors[name], label=f"{name} measured")
            if truth is not None:
                tr = series(truth)[name]
                if tr is not None:
                    ax.plot(truth.time_s / scale, tr[0], "-", color=colors[name], lw=1.4,
                            alpha=0.7, label=f"{name} true")
    t_c = table.time_s[np.argmax(table.contact)] if table.has_contact else None
    for ax in (ax_f, ax_g):
        if t_c is not None:
            ax.axvline(t_c / scale, color="0.5", lw=0.8, ls="--", label="first contact")
        ax.set_xlabel(f"irradiation time ({unit})")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center",
                    va="center", color="0.5")
    ax_f.set_ylabel("neck curvature 1/R (1/nm)")
    ax_f.set_title("(f) neck curvature")
    ax_g.set_ylabel("radius (nm)")
    ax_g.set_title("(g) particle radii r1, r2 and neck radius r")
    if path is not None:
        save_figure(fig, path)
    return fig
