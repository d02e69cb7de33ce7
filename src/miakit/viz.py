"""Plotting helpers used throughout the book.

Every function draws on a given matplotlib ``ax`` (or a new one when ``ax`` is None)
and returns it; none calls ``plt.show()``. Grey images are drawn with explicit
display limits so that two panels with the same limits can be compared by eye.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from skimage.util import montage

from ._checks import (
    as_array,
    as_image,
    as_mask,
    at_most,
    finite,
    flag,
    positive_int,
    probability,
    same_shape,
)
from ._dicom_window import WINDOW_PRESETS

__all__ = [
    "OKABE_ITO",
    "describe_figure",
    "set_style",
    "show_image",
    "show_montage",
    "show_overlay",
    "window_limits",
]


#: Okabe & Ito's colour-blind-safe palette (black omitted): the book's colour cycle.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)


def describe_figure(fig: mpl.figure.Figure) -> str:
    """A one-line text alternative of a figure: its title and its panels' titles.

    :func:`set_style` makes this the ``text/plain`` form of figures in a notebook, and
    the website uses it as the images' alt text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.

    Returns
    -------
    str
        ``"Figure: <suptitle>. Panels: <title>; <title>"``, or the axis labels when no
        panel has a title.

    Examples
    --------
    >>> fig, axes = plt.subplots(1, 2)
    >>> _ = fig.suptitle("Noise"), axes[0].set_title("raw"), axes[1].set_title("filtered")
    >>> describe_figure(fig)
    'Figure: Noise. Panels: raw; filtered'
    >>> plt.close(fig)
    """
    parts = []
    suptitle = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    if suptitle:
        parts.append(f"Figure: {suptitle}")
    titles = [t for ax in fig.axes for t in (ax.get_title("left"), ax.get_title()) if t]
    if not titles:
        titles = [
            f"{ax.get_ylabel()} against {ax.get_xlabel()}"
            for ax in fig.axes
            if ax.get_xlabel() and ax.get_ylabel()
        ]
    if titles:
        parts.append(("Panels: " if len(titles) > 1 else "Panel: ") + "; ".join(titles))
    if not parts:
        return f"Figure with {len(fig.axes)} panel(s)"
    if not suptitle:
        parts[0] = "Figure. " + parts[0]
    return ". ".join(" ".join(p.split()) for p in parts)


def _register_notebook_display() -> None:
    """In IPython: sharp (2x) PNG figures, and a figure's text form describes it."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is part of the notebook environment
        return
    shell = get_ipython()
    if shell is None:
        return
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except ImportError:  # pragma: no cover
        pass
    shell.display_formatter.formatters["text/plain"].for_type(
        mpl.figure.Figure, lambda fig, printer, cycle: printer.text(describe_figure(fig))
    )


def set_style() -> None:
    """Apply the book's plotting style.

    Readable fonts, grey images without grid, the colour-blind-safe Okabe–Ito colour
    cycle, figures saved at 200 dpi and, in a notebook, shown as 2x ("retina") PNGs,
    whose text form (the website's alt text) lists the figure's titles
    (:func:`describe_figure`).

    Examples
    --------
    >>> set_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["image.cmap"], mpl.rcParams["savefig.dpi"]
    ('gray', 200.0)
    """
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "figure.figsize": (7.0, 4.0),
            "font.size": 10,
            "axes.titlesize": 10,
            "axes.labelsize": 10,
            "legend.fontsize": 9,
            "image.cmap": "gray",
            "image.interpolation": "nearest",
            "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)),
            "figure.constrained_layout.use": True,
        }
    )
    _register_notebook_display()


def window_limits(window: str | tuple[float, float]) -> tuple[float, float]:
    """Display limits ``(vmin, vmax)`` of a window given by preset name or (level, width).

    Parameters
    ----------
    window : str or tuple of (float, float)
        A preset name ('lung', 'soft_tissue', 'bone', 'brain'; see
        :data:`miakit.dicom.WINDOW_PRESETS`) or a ``(level, width)`` pair in HU with
        ``width > 0``.

    Returns
    -------
    vmin, vmax : float
        Display limits ``level -/+ width / 2`` in HU.

    Raises
    ------
    ValueError
        If ``window`` is an unknown preset name or its width is not > 0.
    TypeError
        If ``window`` is neither a string nor a pair of numbers.

    Examples
    --------
    >>> window_limits("lung")
    (-1350.0, 150.0)
    >>> window_limits((40, 400))
    (-160.0, 240.0)
    """
    if isinstance(window, str):
        if window not in WINDOW_PRESETS:
            raise ValueError(f"window must be one of {sorted(WINDOW_PRESETS)}, got {window!r}")
        level, width = WINDOW_PRESETS[window]
    else:
        try:
            level, width = (float(v) for v in window)
        except (TypeError, ValueError):
            raise TypeError(
                f"window must be a preset name or a (level, width) pair, got {window!r}"
            ) from None
        if not (np.isfinite(level) and np.isfinite(width) and width > 0):
            raise ValueError(
                f"window must have a finite level and width must be > 0, got {window!r}"
            )
    return (level - width / 2, level + width / 2)


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _limits(vmin: object, vmax: object) -> None:
    """Refuse display limits that are not finite numbers or are reversed."""
    for name, value in (("vmin", vmin), ("vmax", vmax)):
        if value is not None:
            finite(value, name)
    if vmin is not None and vmax is not None and float(vmin) > float(vmax):  # type: ignore[arg-type]
        raise ValueError(f"vmin must not exceed vmax, got vmin={vmin!r}, vmax={vmax!r}")


def _colormap(cmap: object) -> mpl.colors.Colormap:
    if isinstance(cmap, mpl.colors.Colormap):
        return cmap
    if not isinstance(cmap, str) or cmap not in mpl.colormaps:
        raise ValueError(f"cmap must be a matplotlib colour map name, got {cmap!r}"[:120])
    return mpl.colormaps[cmap]


def _grey(array: np.ndarray, vmin: object, vmax: object) -> tuple[float, float]:
    """Default display limits: the 1st and 99th percentiles of the finite values."""
    values = array[np.isfinite(array)]
    if values.size == 0:
        raise ValueError("image must contain at least one finite value to display")
    low, high = np.percentile(values, [1, 99])
    return (float(low) if vmin is None else vmin, float(high) if vmax is None else vmax)  # type: ignore[return-value]


def show_image(
    image: np.ndarray,
    *,
    ax: Axes | None = None,
    window: str | tuple[float, float] | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "gray",
    title: str | None = None,
    colorbar_label: str | None = None,
) -> Axes:
    """Show a 2D image (or an RGB image) without axes ticks.

    Parameters
    ----------
    image : ndarray of shape (Y, X) or (Y, X, 3)
        The image; CT values in HU when a ``window`` is used.
    ax : Axes, optional
        Where to draw; a new figure is made when None.
    window : str or (level, width), optional
        A display window ('lung', 'soft_tissue', 'bone', 'brain' or a pair in HU).
        Overrides ``vmin``/``vmax``.
    vmin, vmax : float, optional
        Display limits; default to the 1st and 99th percentiles.
    cmap : str
        Colour map for single-channel images.
    title : str, optional
        Axes title: say what to see.
    colorbar_label : str, optional
        When given, a colour bar with this label (include units, e.g. "HU").

    Returns
    -------
    Axes

    Examples
    --------
    >>> import numpy as np
    >>> ax = show_image(np.arange(12.0).reshape(3, 4), vmin=0, vmax=11, title="ramp")
    >>> ax.get_title()
    'ramp'
    """
    array = as_array(image, "image", ndim=(2, 3), kind="buif")
    if array.dtype == bool:
        array = array.astype(np.float64)  # a mask shown as 0/1
    if array.ndim == 3 and array.shape[-1] not in (3, 4):
        raise ValueError(f"image must be (Y, X) or (Y, X, 3|4), got shape {array.shape}")
    _limits(vmin, vmax)
    colormap = _colormap(cmap)
    ax = _axes(ax)
    if window is not None:
        vmin, vmax = window_limits(window)
    elif array.ndim == 2 and (vmin is None or vmax is None):
        vmin, vmax = _grey(array, vmin, vmax)
    shown = ax.imshow(array, cmap=colormap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    if colorbar_label is not None:
        ax.figure.colorbar(shown, ax=ax, label=colorbar_label, fraction=0.046, pad=0.04)
    return ax


def show_montage(
    images: Sequence[np.ndarray] | np.ndarray,
    *,
    ax: Axes | None = None,
    ncols: int | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "gray",
    titles: Sequence[str] | None = None,
) -> Axes:
    """Tile equally shaped 2D images into one grid drawn on a single axes.

    Parameters
    ----------
    images : sequence of ndarray of shape (Y, X), or ndarray of shape (N, Y, X)
        The tiles, in reading order.
    ncols : int, optional
        Tiles per row; default ``ceil(sqrt(N))``.
    vmin, vmax : float, optional
        Shared display limits (default: 1st/99th percentile of all tiles).
    titles : sequence of str, optional
        One short label per tile, written in its top-left corner.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import numpy as np
    >>> ax = show_montage(np.zeros((5, 4, 4)), ncols=3, vmin=0, vmax=1)
    >>> ax.images[0].get_array().shape
    (8, 12)
    """
    try:
        stacked = np.asarray(images)
    except ValueError:
        raise ValueError("images must all have the same shape (Y, X)") from None
    stack = as_array(stacked, "images", ndim=3, kind="buif").astype(np.float64)
    n, height, width = stack.shape
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    ncols = positive_int(ncols, "ncols")
    at_most(ncols, "ncols", n, "one column per image at most")
    if titles is not None:
        if isinstance(titles, str) or not isinstance(titles, Sequence):
            raise TypeError(f"titles must be a sequence of str, got {titles!r}"[:120])
        if len(titles) != n:
            raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    _limits(vmin, vmax)
    colormap = _colormap(cmap)
    nrows = math.ceil(n / ncols)
    if vmin is None or vmax is None:
        vmin, vmax = _grey(stack, vmin, vmax)
    # empty cells of the grid are NaN, drawn in the colour map's "bad" colour (white)
    canvas = montage(stack, fill=np.nan, grid_shape=(nrows, ncols))
    ax = _axes(ax)
    cmap_obj = colormap.with_extremes(bad="white")
    ax.imshow(canvas, cmap=cmap_obj, vmin=vmin, vmax=vmax, interpolation="nearest")
    if titles is not None:
        for i, label in enumerate(titles):
            row, col = divmod(i, ncols)
            ax.text(
                col * width + 2,
                row * height + 2,
                label,
                color="yellow",
                fontsize=8,
                va="top",
                ha="left",
            )
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def show_overlay(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    ax: Axes | None = None,
    color: str = "tab:orange",
    alpha: float = 0.4,
    contour: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
) -> Axes:
    """Show a grey image with a binary mask on top, filled or as a contour.

    Parameters
    ----------
    image : ndarray of shape (Y, X)
    mask : ndarray of shape (Y, X)
        Binary mask (bool or 0/1) of the same shape.
    color : str
        Any matplotlib colour; the default is colour-blind safe on grey.
    alpha : float
        Opacity of the filled mask, in [0, 1].
    contour : bool
        Draw the outline only (keeps the anatomy underneath visible).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((8, 8)); msk = np.zeros((8, 8), bool); msk[2:5, 2:5] = True
    >>> ax = show_overlay(img, msk, vmin=0, vmax=1, contour=True)
    >>> len(ax.collections) > 0
    True
    """
    array = as_image(image, "image", ndim=2)
    binary = as_mask(mask, "mask", ndim=2)
    same_shape(array, binary, "image", "mask")
    alpha = probability(alpha, "alpha")
    contour = flag(contour, "contour")
    try:
        fill = to_rgba(color, alpha)
    except (TypeError, ValueError):
        raise ValueError(f"color must be a matplotlib colour, got {color!r}"[:120]) from None
    ax = show_image(array, ax=ax, vmin=vmin, vmax=vmax, title=title)
    if contour:
        ax.contour(binary.astype(float), levels=[0.5], colors=[color], linewidths=1.2)
    else:
        rgba = np.zeros((*binary.shape, 4))
        rgba[binary] = fill
        ax.imshow(rgba, interpolation="nearest")
    return ax
