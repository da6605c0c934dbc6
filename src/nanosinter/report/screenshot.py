"""Screenshots of a report in headless Chromium, and a check that it renders without errors.

>>> from nanosinter.report.screenshot import screenshot            # doctest: +SKIP
>>> screenshot("demo-output/report.html", "docs/images/report.png",
...            crop_height_px=1500, max_bytes=400_000)              # doctest: +SKIP

Command line: ``python -m nanosinter.report.screenshot REPORT.html OUT.png [--crop-height PX]
[--max-kb KB]``. Needs a Chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nanosinter._atomic import atomic_path
from nanosinter.errors import InputError

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Tallest page rendered for a full-page screenshot (px); the blank rest is cropped away.
MAX_PAGE_HEIGHT_PX = 16000


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable on PATH (or ``$CHROMIUM``), or None."""
    env = os.environ.get("CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    for name in _NAMES:
        if shutil.which(name):
            return shutil.which(name)
    return None


def _base_args(exe: str) -> list[str]:
    args = [exe, "--headless=new", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--allow-file-access-from-files"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
    return args


def _existing_page(html_path: str | os.PathLike[str]) -> Path:
    page = Path(html_path).resolve()
    if not page.is_file():
        raise InputError(f"report {page} does not exist")
    return page


def _exe() -> str:
    exe = find_chromium()
    if exe is None:
        raise InputError("no Chromium found; install one (apt-get install chromium) or set "
                         "$CHROMIUM")
    return exe


def render_errors(html_path: str | os.PathLike[str], *, timeout_s: float = 120.0
                  ) -> tuple[str, list[str]]:
    """Load the page headless; return (the rendered DOM, console/JavaScript error lines).

    Raises
    ------
    InputError
        No Chromium, or the page does not exist.
    """
    page = _existing_page(html_path)
    proc = subprocess.run(
        [*_base_args(_exe()), "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )
    errors = [ln for ln in proc.stderr.splitlines()
              if "CONSOLE" in ln or "Uncaught" in ln or "Failed to load resource" in ln]
    if proc.returncode != 0:
        errors.append(f"chromium exited with {proc.returncode}")
    return proc.stdout, errors


def screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width_px: int = 1280,
    crop_height_px: int | None = None,
    max_bytes: int | None = None,
    timeout_s: float = 180.0,
) -> Path:
    """Full-page PNG screenshot of a report, optionally cropped and shrunk below *max_bytes*.

    The page is rendered in a window *width_px* wide and :data:`MAX_PAGE_HEIGHT_PX` tall; the
    blank space under the page is cropped. With *crop_height_px* only the top of the page is
    kept. With *max_bytes* the image is scaled down (and reduced to 256 colours) until its PNG
    is smaller. Written atomically.

    Raises
    ------
    InputError
        No Chromium, or the page does not exist.
    """
    from PIL import Image

    page = _existing_page(html_path)
    with tempfile.TemporaryDirectory(prefix="nanosinter-shot-") as tmp:
        raw = Path(tmp) / "shot.png"
        subprocess.run(
            [*_base_args(_exe()), f"--window-size={int(width_px)},{MAX_PAGE_HEIGHT_PX}",
             f"--screenshot={raw}", page.as_uri()],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )
        if not raw.is_file():
            raise InputError(f"Chromium wrote no screenshot of {page}")
        with Image.open(raw) as shot:
            img = shot.convert("RGB")
    img = img.crop((0, 0, img.width, _content_bottom(img)))
    if crop_height_px is not None:
        img = img.crop((0, 0, img.width, min(img.height, int(crop_height_px))))
    data = _png(img)
    if max_bytes is not None:
        data = _png(img.quantize(colors=256, dither=Image.Dither.NONE))
        scale = 1.0
        while len(data) > max_bytes and scale > 0.2:
            scale *= 0.85
            small = img.resize((round(img.width * scale), round(img.height * scale)),
                               Image.LANCZOS)
            data = _png(small.quantize(colors=256, dither=Image.Dither.NONE))
    out = Path(png_path)
    with atomic_path(out, suffix=".png") as tmp_out:
        Path(tmp_out).write_bytes(data)
    return out


def _content_bottom(img) -> int:
    """Last row (exclusive) that is not page background, plus a small margin."""
    import numpy as np

    a = np.asarray(img.convert("L"), dtype=np.int16)
    background = a[-1, :].mean()
    busy = np.flatnonzero(np.abs(a - background).max(axis=1) > 8)
    return int(min(a.shape[0], (busy[-1] + 24) if busy.size else a.shape[0]))


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nanosinter.report.screenshot",
                                description="screenshot a report in headless Chromium")
    p.add_argument("html", type=Path)
    p.add_argument("png", type=Path)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--crop-height", type=int, default=None)
    p.add_argument("--max-kb", type=float, default=None)
    args = p.parse_args(argv)
    try:
        _, errors = render_errors(args.html)
        for e in errors:
            print(f"console: {e}", file=sys.stderr)
        out = screenshot(args.html, args.png, width_px=args.width,
                         crop_height_px=args.crop_height,
                         max_bytes=None if args.max_kb is None else int(args.max_kb * 1000))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 1 if errors else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
