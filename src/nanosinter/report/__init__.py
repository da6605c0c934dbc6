"""The study report: one self-contained HTML page that opens offline.

>>> from nanosinter.report import write_report
>>> write_report("analysis", "report.html", sim_dir="sim")     # doctest: +SKIP

Built from an analysis folder (``dimer.csv`` and its companions), the analysed movie, its
ground truth and the simulation folder when they exist; see :func:`write_report`.
"""

from nanosinter.report._report import DATA_ELEMENT_ID, dimer_overlays, preview_indices, write_report

__all__ = ["DATA_ELEMENT_ID", "dimer_overlays", "preview_indices", "write_report"]
