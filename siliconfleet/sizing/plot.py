"""A chart of price per million output tokens against decode tokens/s, for the options that fit.

SVG is written by hand (no dependency); PNG needs matplotlib and says how to install it.
Both axes are logarithmic: options span three orders of magnitude.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from ..errors import SiliconfleetError
from .advisor import Option, SizingResult

COLORS = {"inferentia2": "#ff9900", "h100": "#76b900", "h200": "#3f7d00", "tpu-v5e": "#4285f4", "groq": "#f55036"}
W, H = 760, 480
LEFT, RIGHT, TOP, BOTTOM = 80, 200, 50, 60


def plot_points(results: list[tuple[str, SizingResult]]) -> list[tuple[str, Option]]:
    """(label, option) for every option that fits and has both a price per token and a speed."""
    points = []
    for prefix, result in results:
        for opt in result.options:
            if opt.fits and opt.usd_per_million_tokens and opt.decode_tokens_per_s:
                points.append((f"{prefix}{opt.label}", opt))
    return points


def _decades(values: list[float]) -> tuple[float, float]:
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    return (lo, hi) if hi > lo else (lo, lo + 1)


def render_svg(results: list[tuple[str, SizingResult]], title: str) -> str:
    points = plot_points(results)
    if not points:
        raise SiliconfleetError("--plot: no option fits with both a price and a speed; nothing to plot")
    xs = [o.decode_tokens_per_s for _, o in points]
    ys = [o.usd_per_million_tokens for _, o in points]
    x0, x1 = _decades(xs)  # type: ignore[arg-type]
    y0, y1 = _decades(ys)  # type: ignore[arg-type]
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (math.log10(x) - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return TOP + ph - (math.log10(y) - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2:.0f}" y="24" text-anchor="middle" font-size="14">{escape(title)}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>',
    ]
    for d in range(int(x0), int(x1) + 1):
        x = px(10.0**d)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 16}" text-anchor="middle">{10.0**d:g}</text>')
    for d in range(int(y0), int(y1) + 1):
        y = py(10.0**d)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{10.0**d:g}</text>')
    out.append(f'<text x="{LEFT + pw / 2:.0f}" y="{H - 18}" text-anchor="middle">decode tokens/s (roofline bound; Groq: published)</text>')
    out.append(f'<text transform="translate(18 {TOP + ph / 2:.0f}) rotate(-90)" text-anchor="middle">$ per million output tokens</text>')
    for label, opt in points:
        x, y = px(opt.decode_tokens_per_s), py(opt.usd_per_million_tokens)  # type: ignore[arg-type]
        color = COLORS.get(opt.silicon, "#666")
        marker = "OVERSIZED " if opt.oversized else ""
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}"><title>{escape(marker + label)}</title></circle>')
        out.append(f'<text x="{x + 8:.1f}" y="{y + 4:.1f}">{escape(label)}</text>')
    for i, (silicon, color) in enumerate(COLORS.items()):
        y = TOP + 10 + i * 18
        out.append(f'<circle cx="{W - RIGHT + 30}" cy="{y}" r="5" fill="{color}"/>')
        out.append(f'<text x="{W - RIGHT + 40}" y="{y + 4}">{silicon}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_plot(results: list[tuple[str, SizingResult]], path: str | Path, title: str) -> Path:
    """Write the chart to ``path``: ``.svg`` always works, ``.png`` needs matplotlib."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise SiliconfleetError(f"--plot: {str(path)!r} must end in .svg or .png")
    if suffix == ".svg":
        text = render_svg(results, title)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SiliconfleetError(f"--plot: cannot write {str(path)!r}: {exc.strerror}") from None
        return path
    return _write_png(results, path, title)


def _write_png(results: list[tuple[str, SizingResult]], path: Path, title: str) -> Path:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SiliconfleetError(
            f"--plot: writing {path.name!r} as PNG needs matplotlib, which is not installed; install it with "
            "`pip install matplotlib` or write an .svg instead"
        ) from None
    points = plot_points(results)
    if not points:
        raise SiliconfleetError("--plot: no option fits with both a price and a speed; nothing to plot")
    fig, ax = plt.subplots(figsize=(W / 100, H / 100), dpi=100)
    for label, opt in points:
        ax.scatter([opt.decode_tokens_per_s], [opt.usd_per_million_tokens], color=COLORS.get(opt.silicon, "#666"))
        ax.annotate(label, (opt.decode_tokens_per_s, opt.usd_per_million_tokens), textcoords="offset points",
                    xytext=(6, 3), fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("decode tokens/s (roofline bound; Groq: published)")
    ax.set_ylabel("$ per million output tokens")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="major", color="#ddd")
    fig.tight_layout()
    try:
        fig.savefig(path, format="png")
    except OSError as exc:
        raise SiliconfleetError(f"--plot: cannot write {str(path)!r}: {exc.strerror}") from None
    finally:
        plt.close(fig)
    return path
