"""Figure 3h of Tang et al. (2023), drawn correctly: E_t(θ) per element with threshold angles.

References
----------
.. [1] L. Tang et al., Nanomaterials 13, 3082 (2023), Fig. 3h and Eq. 1.
   doi:10.3390/nano13243082
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter._validation import check_positive, check_same_length
from nanosinter.beam._kinematics import energy_transfer_eV, threshold_angle_deg
from nanosinter.materials import element

#: Colours of the paper's Figure 3h (Cd black, Se green, S pink); others from a fixed cycle.
ELEMENT_COLOURS = {"Cd": "black", "Se": "tab:green", "S": "#e75480"}
_CYCLE = ("tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:cyan", "tab:olive",
          "tab:red", "tab:gray")


def plot_energy_transfer(
    path: str | os.PathLike[str],
    *,
    beam_energy_keV: float,
    elements: Sequence[str],
    binding_energies_eV: Sequence[float],
    claimed_angles_deg: Mapping[str, float] | None = None,
    title: str | None = None,
    dpi: int = 150,
) -> str:
    """Draw E_t(θ), 0–180°, per element with dashed binding-energy lines and threshold angles.

    Parameters
    ----------
    path : path-like
        PNG file to write (atomically).
    beam_energy_keV : float, keyword-only
        Electron energy in keV.
    elements : sequence of str, keyword-only
        Chemical symbols.
    binding_energies_eV : sequence of float, keyword-only
        Binding energy per element (same order), drawn as dashed horizontal lines.
    claimed_angles_deg : mapping, optional, keyword-only
        Angles claimed elsewhere (e.g. the paper's 149°, 107°, 65°) to mark as hollow grey
        symbols on the binding-energy lines for comparison.
    title : str, optional, keyword-only
        Figure title.
    dpi : int, keyword-only
        Resolution.

    Returns
    -------
    str
        The path written.

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023), Fig. 3h. doi:10.3390/nano13243082
    """
    from matplotlib.figure import Figure

    e0 = float(check_positive("beam_energy_keV", beam_energy_keV))
    check_same_length(["elements", "binding_energies_eV"], elements, binding_energies_eV)
    e_b = check_positive("binding_energies_eV", list(binding_energies_eV))
    els = [element(s) for s in elements]
    theta = np.linspace(0.0, 180.0, 721)

    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ymax = 0.0
    n_other = 0
    summary: list[str] = []
    for el, eb in zip(els, e_b, strict=True):
        colour = ELEMENT_COLOURS.get(el.symbol)
        if colour is None:
            colour = _CYCLE[n_other % len(_CYCLE)]
            n_other += 1
        et = energy_transfer_eV(e0, el.mass_u, theta)
        ymax = max(ymax, float(et[-1]), float(eb))
        ax.plot(theta, et, color=colour, lw=1.8, label=f"{el.symbol} (M = {el.mass_u:.3f} u)")
        ax.axhline(eb, color=colour, ls="--", lw=1.0)
        th = threshold_angle_deg(e0, el.mass_u, eb)
        if np.isnan(th):
            summary.append(f"{el.symbol:>2}  {eb:.2f} eV:  unreachable (> E_max)")
            continue
        ax.plot([th, th], [0.0, eb], color=colour, ls=":", lw=1.0)
        ax.plot(th, eb, "o", color=colour, ms=6, zorder=3)
        ax.annotate(f"{th:.2f}°", xy=(th, eb), xytext=(-6, 5), textcoords="offset points",
                    ha="right", va="bottom", color=colour, fontsize=9, fontweight="bold")
        line = f"{el.symbol:>2}  {eb:.2f} eV:  {th:6.2f}°"
        if claimed_angles_deg and el.symbol in claimed_angles_deg:
            wrong = float(claimed_angles_deg[el.symbol])
            ax.plot(wrong, eb, "x", color="0.45", ms=7, mew=1.5, zorder=3)
            line += f"   (claimed {wrong:g}°)"
        summary.append(line)
    if claimed_angles_deg:
        ax.plot([], [], "x", color="0.45", ms=7, mew=1.5, label="angle claimed by Tang et al.")
    if summary:
        ax.text(0.985, 0.975, "threshold angles, Eq. 1\n" + "\n".join(summary),
                transform=ax.transAxes, ha="right", va="top", fontsize=8, family="monospace",
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7"})
    ax.plot([], [], "o", color="0.2", label="threshold angle (Eq. 1)")
    ax.plot([], [], "--", color="0.2", lw=1.0, label="binding energy")
    ax.set_xlim(0.0, 180.0)
    ax.set_ylim(0.0, ymax * 1.45)  # head room for the legend and the angle summary
    ax.set_xticks(np.arange(0, 181, 30))
    ax.set_xlabel("electron scattering angle θ (°)")
    ax.set_ylabel("transferred energy $E_t$ (eV)")
    ax.set_title(title or f"Energy transfer from {e0:g} keV electrons, "
                 r"$E_t = E_{max}\,\sin^2(\theta/2)$", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return os.fspath(path)
