"""``nanosinter beam``: knock-on energy transfer, threshold angles, cross sections and rates.

Example: ``nanosinter beam Cd Se S --kv 300 --energies tang2023 --plot fig3h.png --json``.
"""

from __future__ import annotations

import argparse
import sys

description = (
    "Electron knock-on physics per element at one beam energy: maximum energy transfer E_max, "
    "threshold scattering angle for the surface binding energy (paper Eq. 1 / Fig. 3h), "
    "displacement and sputtering thresholds, McKinley-Feshbach or Rutherford cross sections "
    "and, with a dose rate, events per atom per second. Default energies: 'crc' "
    "(atomisation enthalpies); default displacement energy: 5/3 x surface binding energy "
    "(Egerton et al. 2010)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("elements", nargs="+", metavar="ELEMENT", help="chemical symbols")
    parser.add_argument("--kv", required=True, metavar="KV",
                        help="beam energy in kV (electron kinetic energy in keV)")
    parser.add_argument("--energies", default="crc", metavar="{crc,srim,tang2023}",
                        help="surface binding energy data set (default crc)")
    parser.add_argument("--surface-energy-ev", nargs="+", metavar="EV", dest="surface_energy_ev",
                        help="surface binding energies in eV, one per ELEMENT (overrides the set)")
    parser.add_argument("--displacement-energy-ev", nargs="+", metavar="EV",
                        dest="displacement_energy_ev",
                        help="displacement energies in eV, one per ELEMENT "
                        "(default 5/3 x surface binding energy)")
    flux = parser.add_mutually_exclusive_group()
    flux.add_argument("--dose-rate-e-per-A2-s", metavar="X", dest="dose_rate_e_per_A2_s",
                      help="electron dose rate in e/(A^2 s)")
    flux.add_argument("--current-density-A-per-cm2", metavar="X",
                      dest="current_density_A_per_cm2", help="current density in A/cm^2")
    parser.add_argument("--model", default="mckinley-feshbach",
                        metavar="{mckinley-feshbach,rutherford}",
                        help="cross-section model (default mckinley-feshbach)")
    parser.add_argument("--plot", metavar="FILE", help="write E_t(theta) (Figure 3h) as PNG")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _number(name: str, text: str | None) -> float | None:
    from nanosinter._validation import check_positive
    from nanosinter.errors import InputError

    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{name} must be a number, got {text!r}") from None
    return float(check_positive(name, value))


def _numbers(name: str, texts: list[str] | None) -> list[float] | None:
    if texts is None:
        return None
    return [v for t in texts if (v := _number(name, t)) is not None]


def run(args: argparse.Namespace) -> int:
    from nanosinter._json import dumps
    from nanosinter.beam._plot import plot_energy_transfer
    from nanosinter.beam._table import beam_table, format_table

    table = beam_table(
        args.elements,
        beam_energy_keV=_number("--kv", args.kv),
        energies=args.energies,
        surface_energies_eV=_numbers("--surface-energy-ev", args.surface_energy_ev),
        displacement_energies_eV=_numbers("--displacement-energy-ev",
                                          args.displacement_energy_ev),
        dose_rate_e_per_A2_s=_number("--dose-rate-e-per-A2-s", args.dose_rate_e_per_A2_s),
        current_density_A_per_cm2=_number("--current-density-A-per-cm2",
                                          args.current_density_A_per_cm2),
        model=args.model,
    )
    result = table.as_dict()
    if args.plot:
        claimed = None
        if table.energies == "tang2023" and args.surface_energy_ev is None:
            from nanosinter.beam.report import PAPER_THRESHOLD_ANGLES_DEG as claimed
        plot_energy_transfer(
            args.plot,
            beam_energy_keV=table.beam_energy_keV,
            elements=[r["element"] for r in table.records],
            binding_energies_eV=[r["surface_binding_eV"] for r in table.records],
            claimed_angles_deg=claimed if table.beam_energy_keV == 300.0 else None,
        )
        result["plot"] = str(args.plot)
    for note in table.warnings:
        print(f"nanosinter beam: note: {note}", file=sys.stderr)
    if args.json:
        print(dumps(result))
    else:
        print(format_table(table))
        if args.plot:
            print(f"figure: {args.plot}")
    return 0
