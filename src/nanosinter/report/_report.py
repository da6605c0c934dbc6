"""The study report: one self-contained HTML page from an analysis folder (and its inputs)."""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._json import dumps
from nanosinter._provenance import provenance
from nanosinter._validation import check_positive
from nanosinter.errors import NanosinterError
from nanosinter.report._accuracy import _first_contact, accuracy_rows
from nanosinter.report._html import Page, esc, fig_to_png, figure_html, fmt, kpi_html, table_html
from nanosinter.report._inputs import (
    ReportInputs,
    locate_inputs,
    read_csv_frame,
)
from nanosinter.report._preview import Circle, Segment, animated_gif

#: Colours of the overlays: lobe 1 red, lobe 2 green (as Tang et al. 2023 Fig. 3), neck yellow.
LOBE1_RGB = (230, 40, 40)
LOBE2_RGB = (40, 210, 60)
NECK_RGB = (250, 220, 0)

#: Long side of the movie preview on the page (CSS px); the GIF itself is at most
#: ``preview_max_px`` (only downsampled).
PREVIEW_DISPLAY_PX = 480

#: Errors a missing or broken optional piece may raise; they become a note on the page.
_SOFT_ERRORS = (NanosinterError, OSError, ValueError, KeyError)

#: Id of the embedded machine-readable summary (``<script type="application/json">``).
DATA_ELEMENT_ID = "nanosinter-report-data"


def write_report(
    analysis_dir: str | os.PathLike[str],
    out_html: str | os.PathLike[str],
    *,
    movie: str | os.PathLike[str] | None = None,
    sim_dir: str | os.PathLike[str] | None = None,
    truth_csv: str | os.PathLike[str] | None = None,
    beam_energy_keV: float | None = None,
    dose_rate_e_per_A2_s: float | None = None,
    title: str | None = None,
    n_boot: int = 500,
    seed: int = 0,
    preview_frames: int = 24,
    preview_max_px: int = 360,
    notes: Sequence[str] = (),
) -> Path:
    """Write the study report: one HTML file, every figure embedded, that opens offline.

    Contents: verdict and headline numbers; the movie as an animated preview with the
    measured lobe circles and neck drawn on it; the Tang et al. Fig. 3f,g curves (1/R, r1, r2,
    r against time) with the truth overlaid when known; the neck-growth fits with bootstrap
    intervals and AIC/BIC weights; the effective surface diffusivity; the mechanism evidence
    table and verdict; the knock-on beam budget and Fig. 3h; measured-versus-true errors when
    a truth table exists; provenance (input files with SHA-256, parameters, seed, versions).
    A piece that cannot be made (no movie, no contact, unreadable side file) becomes a short
    note on the page.

    Parameters
    ----------
    analysis_dir : path-like
        Output folder of ``nanosinter analyze`` (needs ``dimer.csv``; uses
        ``particles.csv``, ``frames.csv`` and ``analysis.json`` when present).
    out_html : path-like
        The page to write (atomically).
    movie : path-like, optional, keyword-only
        The analysed movie for the preview. Default: the movie recorded in
        ``analysis.json`` (provenance ``inputs``), if it still exists.
    sim_dir : path-like, optional, keyword-only
        Simulation folder: its ``observables.csv`` is the truth of the curves when no movie
        truth exists, and its ``config.toml`` gives the beam and temperature.
    truth_csv : path-like, optional, keyword-only
        Ground-truth dimer table on the movie's frames. Default: ``MOVIE.truth.csv`` beside
        the movie (written by :func:`nanosinter.imaging.render_movie`).
    beam_energy_keV : float, optional, keyword-only
        Default: the simulation's ``beam.beam_energy_keV``, else 300 keV (Tang et al. 2023).
    dose_rate_e_per_A2_s : float, optional, keyword-only
        Electron flux of the beam budget. Default: the simulation's
        ``beam.dose_rate_e_per_A2_s``, else 1000 e/(Å² s), an assumed typical HRTEM flux
        (:data:`nanosinter.beam.report.DEFAULT_DOSE_RATE_E_PER_A2_S`; the paper reports none).
    title : str, optional, keyword-only
        Page title.
    n_boot, seed : int, keyword-only
        Bootstrap resamples and seed of the kinetics (:func:`nanosinter.kinetics.analyze_kinetics`).
    preview_frames, preview_max_px : int, keyword-only
        Frames in the animated preview (evenly spaced, first and last included) and its
        largest side in pixels.
    notes : sequence of str, keyword-only
        Extra notes shown in the summary (e.g. why a verdict cannot be reached).

    Returns
    -------
    pathlib.Path
        *out_html*.

    Raises
    ------
    InputError
        ``analysis_dir`` has no ``dimer.csv``, or a path given explicitly does not exist.
    FileFormatError
        ``dimer.csv`` is unreadable.

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023), Fig. 3f-h. doi:10.3390/nano13243082
    """
    from nanosinter import __version__, kinetics
    from nanosinter.beam.report import DEFAULT_DOSE_RATE_E_PER_A2_S

    n_boot = int(check_positive("n_boot", n_boot))
    preview_frames = int(check_positive("preview_frames", preview_frames))
    preview_max_px = int(check_positive("preview_max_px", preview_max_px))
    inp = locate_inputs(analysis_dir, movie=movie, sim_dir=sim_dir, truth_csv=truth_csv)
    notes = list(notes) + list(inp.notes)
    beam_cfg = inp.sim_config.get("beam", {}) if inp.sim_config else {}
    if beam_energy_keV is None:
        beam_energy_keV = float(beam_cfg.get("beam_energy_keV", 300.0))
    dose_source = "given"
    if dose_rate_e_per_A2_s is None:
        if "dose_rate_e_per_A2_s" in beam_cfg:
            dose_rate_e_per_A2_s, dose_source = float(beam_cfg["dose_rate_e_per_A2_s"]), \
                "simulation config"
        else:
            dose_rate_e_per_A2_s, dose_source = DEFAULT_DOSE_RATE_E_PER_A2_S, \
                "assumed typical HRTEM flux (the paper reports none)"
    beam_energy_keV = float(check_positive("beam_energy_keV", beam_energy_keV))
    dose_rate_e_per_A2_s = float(check_positive("dose_rate_e_per_A2_s", dose_rate_e_per_A2_s))
    temperature_K = float((inp.sim_config.get("temperature") or {}).get("temperature_K", 300.0))

    table = kinetics.read_dimer_table(inp.dimer_csv)
    dimer_df = read_csv_frame(inp.dimer_csv)
    particles = None
    if inp.particles_csv is not None:
        try:
            particles = kinetics.read_particles_table(inp.particles_csv)
        except _SOFT_ERRORS as exc:
            notes.append(f"particles.csv not used for the centre-motion test: {exc}")
    kin_opts = dict(n_boot=n_boot, rng=seed, temperature_K=temperature_K,
                    dose_rate_e_per_A2_s=dose_rate_e_per_A2_s, beam_energy_keV=beam_energy_keV)
    result = kinetics.analyze_kinetics(table, particles=particles, **kin_opts)

    truth_table, truth_df, truth_label = None, None, ""
    if inp.truth_csv is not None:
        try:
            truth_table = kinetics.read_dimer_table(inp.truth_csv)
            truth_df = read_csv_frame(inp.truth_csv)
            truth_label = f"movie truth ({inp.truth_csv.name})"
        except _SOFT_ERRORS as exc:
            notes.append(f"truth table {inp.truth_csv} unreadable: {exc}")
    if truth_table is None and inp.sim_dir is not None:
        try:
            truth_table = kinetics.read_dimer_table(inp.sim_dir / "observables.csv")
            truth_label = "simulation observables.csv"
        except _SOFT_ERRORS as exc:
            notes.append(f"simulation observables unreadable: {exc}")

    params = {
        "analysis_dir": str(inp.analysis_dir), "movie": _s(inp.movie),
        "sim_dir": _s(inp.sim_dir), "truth_csv": _s(inp.truth_csv),
        "beam_energy_keV": beam_energy_keV, "dose_rate_e_per_A2_s": dose_rate_e_per_A2_s,
        "dose_rate_source": dose_source, "temperature_K": temperature_K,
        "n_boot": n_boot, "seed": seed, "criterion": "bic",
        "preview_frames": preview_frames, "preview_max_px": preview_max_px,
    }
    prov = provenance(inp.hashed_files(), **params)

    name = inp.movie.name if inp.movie is not None else inp.analysis_dir.name
    page = Page(
        title=title or f"Sintering report: {name}",
        subtitle=f"nanosinter {__version__} · {prov['created_utc']} · verdict: "
                 f"{result.verdict.label}",
    )
    data: dict[str, Any] = {"kinetics": result.as_dict(), "provenance": prov}

    page.add("summary", "Summary", _summary_html(result, notes, dose_source))
    page.add("movie", "Movie", _soft(lambda: _movie_html(inp, dimer_df, preview_frames,
                                                         preview_max_px), "movie preview"))
    page.add("curves", "Curves (Fig. 3f,g)",
             _soft(lambda: _curves_html(table, truth_table, truth_label), "curves"))
    page.add("fits", "Neck-growth fits", _fits_html(result))
    page.add("diffusivity", "Surface diffusivity", _diffusivity_html(result))
    page.add("mechanism", "Mechanism evidence", _evidence_html(result))
    page.add("beam", "Beam budget and Fig. 3h",
             _budget_html(result, beam_energy_keV, dose_rate_e_per_A2_s, dose_source))
    acc_body, acc_data = _accuracy_section(dimer_df, truth_df, truth_table, truth_label, result,
                                           kin_opts, particles)
    vis_csv = inp.visibility_csv
    if vis_csv is not None:
        vis_body, acc_data["neck_visibility"] = _soft_pair(
            lambda: _visibility_html(vis_csv, dimer_df, truth_df), "neck visibility")
        acc_body += vis_body
    data["accuracy"] = acc_data
    page.add("accuracy", "Accuracy against ground truth", acc_body)
    page.add("provenance", "Provenance", _provenance_html(prov, inp))
    page.extra_html = (f'<script type="application/json" id="{DATA_ELEMENT_ID}">'
                       + dumps(data).replace("</", "<\\/") + "</script>")
    return page.write(out_html)


# ----------------------------------------------------------------------------- helpers
def _s(p: Path | None) -> str | None:
    return None if p is None else str(p)


def _note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def _soft(make: Callable[[], str], what: str) -> str:
    """Run *make*; a missing or broken input becomes a one-line note instead of a crash."""
    return _soft_pair(lambda: (make(), None), what)[0]


def _soft_pair(make: Callable[[], tuple[str, Any]], what: str) -> tuple[str, Any]:
    """:func:`_soft` for a piece that also returns data: ``(html, data)``, or the note and
    None."""
    try:
        return make()
    except _SOFT_ERRORS as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        return _note(f"No {what}: {msg}"), None


def _interval(iv: Any, digits: int = 3) -> str:
    if iv is None:
        return "—"
    lo, hi = iv
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "—"
    return f"[{fmt(lo, digits)}, {fmt(hi, digits)}]"


def free_exponent(result) -> tuple[float, tuple[float, float]]:
    """Fitted free exponent n of (x/a)^n ∝ t and its bootstrap interval (NaN without a fit)."""
    if result.fit is None:
        return math.nan, (math.nan, math.nan)
    m = result.fit.model("power_law")
    return float(m.params["n"]), tuple(m.intervals.get("n", (math.nan, math.nan)))


# ----------------------------------------------------------------------------- sections
def _summary_html(result, notes: list[str], dose_source: str) -> str:
    v = result.verdict
    n, n_iv = free_exponent(result)
    items = [("verdict", v.label), ("confidence", f"{v.confidence:.2f} ({v.level})")]
    if result.fit is not None:
        iv = _interval(n_iv)
        # Without detected growth the free exponent of a flat or falling curve is not an
        # exponent of neck growth (it can come out negative); it stays in the fits section.
        n_text = (fmt(n, 3) + ("" if iv == "—" else f" {iv}") if result.fit.growth_detected
                  else "— (no growth)")
        items += [("free exponent n (95 % CI)", n_text),
                  ("best model (BIC)", result.fit.model(result.fit.best).label),
                  ("contact time (s)", fmt(result.fit.contact_time_s, 4))]
    if result.diffusivity is not None:
        d = result.diffusivity
        items.append(("effective D_s (m²/s)", fmt(d.D_s_m2_per_s, 3)))
    if result.budget is not None:
        items.append(("knock-on supply / need", f"{fmt(result.budget.limiting_ratio, 3)}×"))
    body = kpi_html(items)
    body += f'<div class="verdict"><b>Verdict: {esc(v.label)}</b> — confidence ' \
            f'{v.confidence:.2f} ({esc(v.level)}).</div>'
    body += "<ol class=\"reasons\">" + "".join(f"<li>{esc(r)}</li>" for r in v.reasons) + "</ol>"
    if result.budget is not None:
        body += f"<p><b>Can knock-on alone explain the neck growth?</b> " \
                f"{esc(result.budget.answer)} (dose rate: {esc(dose_source)}.)</p>"
    all_notes = list(result.notes) + notes
    if all_notes:
        body += "<ul class=\"notes\">" + "".join(f"<li>{esc(t)}</li>" for t in all_notes) + \
                "</ul>"
    return body


def _movie_html(inp: ReportInputs, dimer_df, n_frames: int, max_px: int) -> str:
    from nanosinter.io import read_movie

    if inp.movie is None:
        return _note("No movie preview: the analysed movie is not known (pass --movie).")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mv = read_movie(inp.movie)
    reader_notes = sorted({" ".join(str(w.message).split()) for w in caught})
    ps = inp.analysis_summary.get("pixel_size_nm") or mv.pixel_size_nm
    ps = float(ps) if ps else None  # without a calibration the overlays cannot be placed
    n = mv.n_frames
    idx = preview_indices(n, n_frames, inp.analysis_summary.get("contact_frame"))
    drift = {}
    if inp.frames_csv is not None:
        fdf = read_csv_frame(inp.frames_csv)
        if {"frame", "drift_x_nm", "drift_y_nm"} <= set(fdf.columns):
            drift = {int(f): (float(x), float(y)) for f, x, y in
                     zip(fdf["frame"], fdf["drift_x_nm"], fdf["drift_y_nm"], strict=True)}
    rows = {}
    if "frame" in dimer_df:
        for rec in dimer_df.to_dict("records"):
            if np.isfinite(rec.get("frame", np.nan)):
                rows[int(rec["frame"])] = rec
    times = mv.frame_times_s
    labels = [f"#{i}" + (f" {times[i]:.4g} s" if times is not None else "") for i in idx]
    frames = [mv.frame(int(i)) for i in idx]
    gif = animated_gif(
        frames,
        overlays=None if ps is None else lambda k: dimer_overlays(
            rows.get(int(idx[k])), drift.get(int(idx[k]), (0.0, 0.0)), ps),
        labels=labels, max_px=max_px, duration_ms=300,
    )
    ny, nx = mv.shape[1:]
    caption = (f"{esc(inp.movie.name)}: {len(idx)} of {n} frames ({nx}×{ny} px, "
               f"{fmt(ps, 3)} nm/px; stored at most {max_px} px wide). ")
    caption += ("Dashed circles: fitted lobes r1 (red) and r2 (green); yellow bar: the neck "
                "(length 2r)." if ps is not None else
                "No pixel size known, so no overlays are drawn.")
    caption += "".join(f" Reader: {esc(t)}" for t in reader_notes)
    summ = inp.analysis_summary
    info = [("frames", summ.get("n_frames", n)), ("pixel size (nm)", ps),
            ("contact frame", summ.get("contact_frame")),
            ("contact time (s)", summ.get("contact_time_s")),
            ("merges / splits", f"{summ.get('n_merges', '—')} / {summ.get('n_splits', '—')}"),
            ("flagged frames", summ.get("n_flagged_frames")),
            ("dimer method", summ.get("dimer_method")),
            ("analysis speed (frames/s)", summ.get("frames_per_s"))]
    side = table_html([{"quantity": k, "value": v} for k, v in info])
    # Displayed at PREVIEW_DISPLAY_PX on the long side whatever the file's size.
    k = PREVIEW_DISPLAY_PX / max(ny, nx)
    fig = figure_html(gif, caption, mime="image/gif", width=round(nx * k))
    return (f'<div class="row">{fig}'
            f'<div>{side}</div></div>')


def preview_indices(n: int, k: int, contact_frame: int | None = None) -> np.ndarray:
    """At most *k* evenly spaced frame indices of *n* (first, last and contact included)."""
    idx = set(np.unique(np.linspace(0, n - 1, min(n, k)).round().astype(int)).tolist())
    if contact_frame is not None and 0 <= int(contact_frame) < n and len(idx) < n:
        idx.add(int(contact_frame))
    return np.array(sorted(idx), dtype=int)


def dimer_overlays(row: dict | None, drift_xy_nm: tuple[float, float], pixel_size_nm: float
                   ) -> list[Circle | Segment]:
    """Lobe circles and the neck bar of one ``dimer.csv`` row, in frame pixels.

    ``dimer.csv`` positions are drift-corrected; the frame's drift (``frames.csv``) puts them
    back on the raw frame. The neck sits on the line of centres at the neck arc's centre
    (:func:`nanosinter.analysis.neck_arc`), across it, with half-length r.
    """
    if row is None:
        return []
    g = {k: _f(row.get(k)) for k in ("x1_nm", "y1_nm", "x2_nm", "y2_nm", "r1_nm", "r2_nm",
                                    "neck_radius_nm", "contact")}
    dx, dy = drift_xy_nm
    ps = pixel_size_nm
    out: list[Circle | Segment] = []
    for x, y, r, col in ((g["x1_nm"], g["y1_nm"], g["r1_nm"], LOBE1_RGB),
                         (g["x2_nm"], g["y2_nm"], g["r2_nm"], LOBE2_RGB)):
        if np.isfinite([x, y, r]).all():
            out.append(Circle((x + dx) / ps, (y + dy) / ps, r / ps, col))
    rn = g["neck_radius_nm"]
    if g["contact"] > 0 and np.isfinite(rn) and rn > 0 and len(out) == 2:
        from nanosinter.analysis import neck_arc

        x1, y1, x2, y2 = g["x1_nm"], g["y1_nm"], g["x2_nm"], g["y2_nm"]
        d = math.hypot(x2 - x1, y2 - y1)
        if d > 0:
            ux, uy = (x2 - x1) / d, (y2 - y1) / d
            arc = neck_arc(g["r1_nm"], g["r2_nm"], d, rn)
            s = arc[1] if arc is not None else (d * d + g["r1_nm"] ** 2 - g["r2_nm"] ** 2) / (2 * d)
            s = min(max(s, 0.0), d)
            px, py = x1 + s * ux + dx, y1 + s * uy + dy
            out.append(Segment((px + rn * uy) / ps, (py - rn * ux) / ps,
                               (px - rn * uy) / ps, (py + rn * ux) / ps, NECK_RGB))
    return out


def _f(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _visibility_html(vis_csv: Path, dimer_df, truth_df) -> tuple[str, dict]:
    """The neck's ideal-observer visibility per frame (``MOVIE.visibility.csv``) and the
    measured contact: a figure and one sentence."""
    from matplotlib.figure import Figure

    from nanosinter.imaging import ROSE_D_PRIME, first_visible_frame

    vis = read_csv_frame(vis_csv)
    rows = vis.to_dict("records")
    if not rows:
        raise ValueError(f"{vis_csv.name} is empty")
    first_shot = first_visible_frame(rows, "d_shot")
    first_tex = first_visible_frame(rows, "d_texture")
    max_tex = float(vis["d_texture"].max())
    measured = _first_contact(dimer_df, "contact") if "contact" in dimer_df else None
    true = (_first_contact(truth_df, "contact")
            if truth_df is not None and "contact" in truth_df else None)
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(vis["frame"], vis["d_shot"], "o-", ms=3, label="texture known (upper bound)")
    ax.plot(vis["frame"], vis["d_texture"], "s-", ms=3, label="texture unknown")
    ax.axhline(ROSE_D_PRIME, color="0.4", ls=":", label=f"Rose: d' = {ROSE_D_PRIME:g}")
    if true is not None:
        ax.axvline(true, color="tab:green", ls="--", label=f"true contact (frame {true})")
    if measured is not None:
        ax.axvline(measured, color="tab:red", ls="--",
                   label=f"measured contact (frame {measured})")
    ax.set_xlabel("frame")
    ax.set_ylabel("d' of the neck")
    ax.legend(fontsize=7, loc="upper left")
    png = fig_to_png(fig)

    def fr(f):
        return f"frame {f}" if f is not None else "no frame"

    cap = (f"Could any analysis see the neck? The ideal observer's detectability d' of the "
           f"bridge between the particles in each rendered frame ({esc(vis_csv.name)}: the "
           f"frame rendered with and without the bridge's atoms; "
           f"nanosinter.imaging.neck_visibility). It reaches Rose's d' = {ROSE_D_PRIME:g} at "
           f"{fr(first_shot)} if the support texture were known, and at {fr(first_tex)} with "
           f"it unknown (largest d' {max_tex:.1f}); the true contact is at {fr(true)}, the "
           f"measured one at {fr(measured)}. Below d' ~ 3 no method can tell a neck from none "
           "without frequent errors.")
    data = {"first_visible_frame_texture_known": first_shot,
            "first_visible_frame_texture_unknown": first_tex,
            "max_d_texture": max_tex, "measured_contact_frame": measured,
            "true_contact_frame": true}
    return figure_html(png, cap, width=560), data


def _curves_html(table, truth_table, truth_label: str) -> str:
    from nanosinter.kinetics import plot_dimer_curves

    fig = plot_dimer_curves(table, truth=truth_table)
    cap = ("Neck curvature 1/R (left) and particle radii r1, r2 and neck radius r (right) "
           "against irradiation time, as in Tang et al. (2023) Fig. 3f,g; error bars are the "
           "analysis' one-sigma uncertainties.")
    cap += (f" Lines: ground truth from the {esc(truth_label)}." if truth_table is not None
            else " No ground truth known for this record.")
    return figure_html(fig_to_png(fig), cap)


def _fits_html(result) -> str:
    from nanosinter.kinetics import plot_neck_growth

    fit = result.fit
    if fit is None:
        return _note("No neck-growth fit: " + "; ".join(result.notes or ("no contact",)))
    body = figure_html(
        fig_to_png(plot_neck_growth(fit)),
        "Neck growth x/a against time since contact with every fitted model (left, log–log: "
        "each law is a line of slope 1/n) and the best and two-stage models (right).")
    rows = []
    for m in fit.models:
        rows.append({
            "model": m.label + (" ★" if m.key == fit.best else ""),
            "k": m.n_params,
            "parameters (95 % bootstrap interval)": _params_text(m),
            "AIC": m.aic, "BIC": m.bic, "AIC weight": m.aic_weight, "BIC weight": m.bic_weight,
            "bootstrap best": fit.bootstrap_support.get(m.key, math.nan),
            "rms ln": m.rms_log,
        })
    body += table_html(rows)
    body += (f'<p class="note">{fit.time_s.size} points after contact at '
             f'{fmt(fit.contact_time_s, 4)} s up to {fmt(fit.initial_stage_end_s, 4)} s '
             f'(initial stage), a = {fmt(fit.particle_radius_nm, 3)} nm; ★ = lowest '
             f'{fit.criterion.upper()}; {fit.n_boot} bootstrap resamples at '
             f'{fmt(100 * fit.confidence, 3)} %. Growth detected: '
             f'{"yes" if fit.growth_detected else "no"}.</p>')
    law_rows = [{"law": k.replace("_", " "), "weight among laws": w,
                 "bootstrap support": fit.law_support.get(k, math.nan)}
                for k, w in fit.law_weights.items()]
    body += "<h3>Classical laws among themselves</h3>" + table_html(law_rows)
    body += "".join(_note(f"Note: {t}") for t in fit.notes)
    return body


def _params_text(m) -> str:
    show = {"constant": ("x_over_a",), "power_law": ("n", "exponent"),
            "two_stage": ("A", "tau_s", "rate_per_s")}.get(m.key, ("B", "K_per_s"))
    if m.params.get("t0_s", 0.0) != 0.0:  # fitted time offset: finite initial neck
        show = (*show, "t0_s", "x0_over_a")
    parts = []
    if m.key not in ("constant", "power_law", "two_stage"):
        parts.append(f"n = {fmt(m.params['n'], 3)}, m = {fmt(m.params['m'], 3)} (fixed)")
    for k in show:
        if k in m.params:
            parts.append(f"{k} = {fmt(m.params[k], 4)} {_interval(m.intervals.get(k))}")
    return "; ".join(parts)


def _diffusivity_html(result) -> str:
    d = result.diffusivity
    if d is None:
        return _note("No D_s: it needs a neck-growth fit.")
    lo, hi = d.interval_nm2_per_s
    rows = [
        {"quantity": "D_s (m²/s)", "value": d.D_s_m2_per_s,
         "95 % interval": _interval((lo * 1e-18, hi * 1e-18))},
        {"quantity": "D_s (nm²/s)", "value": d.D_s_nm2_per_s, "95 % interval": _interval((lo, hi))},
        {"quantity": "B of (X/D)^7 = B t / D^4 (nm⁴/s)", "value": d.B_nm4_per_s,
         "95 % interval": "—"},
        {"quantity": "temperature (K)", "value": d.temperature_K, "95 % interval": "input"},
        {"quantity": "surface energy γ (J/m²)", "value": d.surface_energy_J_per_m2,
         "95 % interval": "input (assumed)"},
        {"quantity": "atomic volume Ω (nm³)", "value": d.atomic_volume_nm3,
         "95 % interval": "input"},
        {"quantity": "surface layer δ (nm)", "value": d.surface_layer_nm, "95 % interval": "input"},
        {"quantity": "prefactor C", "value": d.prefactor, "95 % interval": "Kuczynski"},
    ]
    return (table_html(rows)
            + _note("Kuczynski / Nichols–Mullins surface-diffusion neck law "
                    "x⁷/a³ = C γ Ω δ D_s t / kT (nanosinter.kinetics.surface_diffusivity; "
                    "G. C. Kuczynski, Trans. AIME 185, 169 (1949)). The interval carries the "
                    "bootstrap spread of B only; the material inputs are held fixed."))


def _evidence_html(result) -> str:
    rows = []
    for e in result.evidence:
        value = fmt(e.value, 3) + (f" {e.unit}" if e.unit and np.isfinite(e.value) else "")
        rows.append({"test": e.question, "value": value, "95 % interval": _interval(e.interval),
                     "finding": e.finding, "outcome": e.outcome,
                     "supports": ", ".join(s.replace("_", " ") for s in e.supports) or "—"})
    v = result.verdict
    body = table_html(rows)
    body += f'<div class="verdict"><b>Verdict: {esc(v.label)}</b> (confidence ' \
            f'{v.confidence:.2f}, {esc(v.level)})</div>'
    if v.probabilities:
        body += table_html([{"mechanism": k.replace("_", " "), "probability": p}
                            for k, p in sorted(v.probabilities.items(), key=lambda kv: -kv[1])])
    return body


def _budget_html(result, beam_energy_keV: float, dose_rate: float, dose_source: str) -> str:
    b = result.budget
    if b is None:
        body = _note("No beam budget: it needs the surface diffusivity of a neck-growth fit.")
    else:
        body = f'<div class="verdict">{esc(b.answer)}</div>'
        body += table_html([
            {"quantity": "hops needed per surface atom (4 D_s t / λ²)", "value": b.hops_needed,
             "interval": _interval(b.hops_needed_interval)},
            {"quantity": "exposure (s)", "value": b.exposure_s, "interval": "—"},
            {"quantity": "beam energy (keV)", "value": b.beam_energy_keV, "interval": "—"},
            {"quantity": "dose rate (e/Å²/s)", "value": b.dose_rate_e_per_A2_s,
             "interval": dose_source},
            {"quantity": "hop length λ (nm)", "value": b.hop_length_nm, "interval": "—"},
        ])
        body += table_html(
            [{"element": e.symbol, "hop threshold (eV)": e.hop_threshold_eV,
              "E_max (eV)": e.max_transfer_eV, "σ hop (barn)": e.hop_cross_section_barn,
              "hop rate (1/s)": e.hop_rate_per_s, "hops supplied": e.hops_supplied,
              "supplied / needed": e.ratio, "ratio interval": _interval(e.ratio_interval),
              "break-even threshold (eV)": e.break_even_threshold_eV,
              "sputter events": e.sputter_events} for e in b.elements])
        body += "".join(_note(f"Note: {t}") for t in b.notes)
    body += _soft(lambda: _fig3h_html(beam_energy_keV, dose_rate), "Fig. 3h")
    return body


def _fig3h_html(beam_energy_keV: float, dose_rate: float) -> str:
    from nanosinter.beam.report import write_beam_report

    with tempfile.TemporaryDirectory(prefix="nanosinter-beam-") as tmp:
        paths = write_beam_report(tmp, beam_energy_keV=beam_energy_keV,
                                  dose_rate_e_per_A2_s=dose_rate)
        png = Path(paths["figure"]).read_bytes()
        beam = json.loads(Path(paths["json"]).read_text(encoding="utf-8"))
    cap = (f"Fig. 3h recomputed (nanosinter.beam, Eq. 1 of Tang et al. 2023): energy "
           f"transferred to Cd, Se, S against scattering angle at {fmt(beam_energy_keV, 4)} keV, "
           "with surface binding energies (dashed) and threshold angles; hollow grey symbols "
           "are the paper's claimed angles (see docs/beam.md).")
    recs = beam.get("elements") or []
    rows = [{"element": r.get("element"), "E_max (eV)": r.get("E_max_eV"),
             "surface binding (eV)": r.get("surface_binding_eV"),
             "threshold angle (°)": r.get("threshold_angle_deg"),
             "σ sputter (barn)": r.get("sigma_sputter_barn"),
             "sputter rate (1/s)": r.get("sputter_rate_per_s")} for r in recs]
    return ('<div class="row">' + figure_html(png, cap, width=560)
            + f"<div>{table_html(rows) if rows else ''}</div></div>")


def _accuracy_section(dimer_df, truth_df, truth_table, truth_label, result, kin_opts,
                      particles) -> tuple[str, dict]:
    data: dict[str, Any] = {"rows": [], "truth_kinetics": None}
    if truth_table is None:
        return _note("No ground truth for this record (a rendered movie has MOVIE.truth.csv "
                     "beside it; a simulation folder can be given with --sim)."), data
    body = ""
    if truth_df is not None:
        rows = accuracy_rows(dimer_df, truth_df)
        data["rows"] = rows
        body += f"<p>Measured against the {esc(truth_label)}, frame by frame.</p>"
        shown = [{**r, "within_target": {True: "yes", False: "no"}.get(
            r.get("within_target"), "—")} for r in rows]
        body += table_html(
            shown, ["quantity", "frames", "median_abs_error_nm", "p90_abs_error_nm",
                    "median_rel_error", "measured", "true", "target", "within_target"],
            {"median_abs_error_nm": "median |error| (nm)", "p90_abs_error_nm":
             "90th pct |error| (nm)", "median_rel_error": "median relative error",
             "target": "test target", "within_target": "met"})
        body += _note("Neck quantities on frames where both say contact; neck radius where the "
                      "true neck exceeds 1 nm, its curvature radius where the true one is at "
                      "least 1 nm; gap before the true contact. Test targets: the accuracy the "
                      "analysis is tested for on rendered spherical dimers at 0.1 nm/px and "
                      "100 e/Å² (medians pooled over movies; docs/analysis.md). Faceted "
                      "particles (the KMC's) and necks below the ideal observer's threshold "
                      "(see the visibility figure) are outside that test.")
    else:
        body += _note(f"Frame-by-frame errors need a truth table on the movie's frames; the "
                      f"{truth_label} is overlaid on the curves only.")
    try:
        from nanosinter.kinetics import analyze_kinetics

        tres = analyze_kinetics(truth_table, **kin_opts)
    except _SOFT_ERRORS as exc:
        return body + _note(f"No kinetics on the truth: {exc}"), data
    data["truth_kinetics"] = tres.as_dict()
    n_m, iv_m = free_exponent(result)
    n_t, iv_t = free_exponent(tres)

    def ds(r):
        return r.diffusivity.D_s_m2_per_s if r.diffusivity is not None else math.nan

    def best(r):
        return r.fit.model(r.fit.best).label if r.fit is not None else "—"

    krows = [
        {"quantity": "verdict", "measured": result.verdict.label, "true": tres.verdict.label},
        {"quantity": "free exponent n", "measured": f"{fmt(n_m, 3)} {_interval(iv_m)}",
         "true": f"{fmt(n_t, 3)} {_interval(iv_t)}"},
        {"quantity": "best model", "measured": best(result), "true": best(tres)},
        {"quantity": "D_s (m²/s)", "measured": fmt(ds(result), 3), "true": fmt(ds(tres), 3)},
    ]
    body += "<h3>Kinetics on measured and true curves</h3>" + table_html(krows)
    return body, data


def _provenance_html(prov: dict, inp: ReportInputs) -> str:
    rows = []
    for role, rec in (prov.get("inputs") or {}).items():
        p = Path(rec["path"])
        rows.append({"input": role, "path": str(p),
                     "bytes": p.stat().st_size if p.is_file() else None,
                     "sha256": rec["sha256"]})
    body = "<h3>Input files</h3>" + table_html(rows).replace("<table>", '<table class="mono">')
    body += "<h3>Parameters</h3>" + table_html(
        [{"parameter": k, "value": "—" if v is None else str(v)}
         for k, v in prov["parameters"].items()])
    body += "<h3>Software</h3>" + table_html(
        [{"package": k, "version": v} for k, v in prov["versions"].items()])
    body += _note(f"Report created {prov['created_utc']} (UTC).")
    extra = {}
    if inp.analysis_summary.get("provenance"):
        extra["analysis (analysis.json)"] = inp.analysis_summary["provenance"]
    if inp.sim_config:
        extra["simulation config (config.toml)"] = inp.sim_config
    if inp.sim_summary:
        extra["simulation summary (summary.json)"] = inp.sim_summary
    for k, v in extra.items():
        body += f"<details><summary>{esc(k)}</summary><pre>{esc(dumps(v, indent=2))}</pre>" \
                "</details>"
    return body
