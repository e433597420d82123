"""Figure scaffolding shared by every talk: a styled figure, a title and the claim caption.

Figures are made as :class:`matplotlib.figure.Figure` objects (not through pyplot's
global figure manager) and styled inside seaborn context managers, so drawing one
figure never changes the look of another.
"""

from __future__ import annotations

import contextlib
import textwrap
from typing import Iterator

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from deepinside.claims.tables import caption

CAPTION_WIDTH = 140


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """The seaborn style all figures are drawn in."""
    with sns.axes_style("whitegrid"), sns.plotting_context("paper", font_scale=1.1):
        yield


def new_figure(width: float, height: float, **kwargs) -> Figure:
    """An empty figure of the given size in inches, with a constrained layout."""
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def finish(fig: Figure, title: str, claims: pd.DataFrame, extra: str = "") -> dict:
    """Put the title and the claim caption on ``fig``; return the step's output dict.

    The caption repeats every claim of the figure with its measured value and verdict
    (and ``extra``, e.g. why the default data may differ from the talk).
    """
    fig.suptitle(title, fontsize=12, fontweight="bold")
    text = caption(claims)
    if extra:
        text += "\n" + extra
    wrapped = "\n".join(textwrap.fill(line, CAPTION_WIDTH) for line in text.splitlines())
    fig.text(0.0, 0.0, wrapped, ha="left", va="top", fontsize=8, family="sans-serif", transform=fig.transFigure)
    return {"figure": fig}


def mode_palette(n: int) -> list:
    """Colours for n ordered modes / levels / layers (dark = first)."""
    return sns.color_palette("viridis", n_colors=max(n, 2))[:n]


def add_footer(fig: Figure, text: str) -> None:
    """A small grey line below everything already drawn on ``fig`` (the caption included)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # lays the figure out, so the texts' extents are final
    height = fig.get_figheight() * fig.dpi
    bottom = min((t.get_window_extent(renderer).y0 for t in fig.texts), default=0.0) / height
    fig.text(
        0.0,
        bottom - 0.01,
        textwrap.fill(text, CAPTION_WIDTH + 20),
        ha="left",
        va="top",
        fontsize=6.5,
        color="0.45",
        family="sans-serif",
        transform=fig.transFigure,
    )
