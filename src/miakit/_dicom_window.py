"""Display windows for CT in Hounsfield units (private).

Public through :mod:`miakit.dicom` (chapter 01): import :data:`WINDOW_PRESETS`,
:func:`window_preset` and :func:`apply_window` from there.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_image, choice, finite, positive

__all__ = ["WINDOW_PRESETS", "apply_window", "window_preset"]

#: Display windows as (level, width) in HU.
WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "lung": (-600.0, 1500.0), "soft_tissue": (40.0, 400.0),
    "bone": (400.0, 1800.0), "brain": (40.0, 80.0),
}  # fmt: skip


def window_preset(name: str) -> tuple[float, float]:
    """(level, width) in HU of a named display window.

    Parameters
    ----------
    name : {"lung", "soft_tissue", "bone", "brain"}
        A key of :data:`WINDOW_PRESETS`.

    Returns
    -------
    level : float
        Window centre in HU.
    width : float
        Window width in HU (> 0).

    Raises
    ------
    ValueError
        If ``name`` is not a key of :data:`WINDOW_PRESETS`.

    Examples
    --------
    >>> from miakit.dicom import window_preset
    >>> window_preset("lung")
    (-600.0, 1500.0)
    """
    choice(name, "name", list(WINDOW_PRESETS))
    return WINDOW_PRESETS[name]


def apply_window(image_hu: np.ndarray, *, level: float, width: float) -> np.ndarray:
    """Map HU to display grey levels in [0, 1] with a linear window.

    Parameters
    ----------
    image_hu : ndarray of shape (Y, X) or (Z, Y, X), values in HU.
    level, width : float, window centre and width in HU; ``width > 0``.

    Returns
    -------
    ndarray of the same shape, float64 in [0, 1]

    Raises
    ------
    ValueError
        If ``width`` is not positive, ``level`` is not finite, or ``image_hu`` is not
        2D/3D or not finite.

    Notes
    -----
    ``g = clip((x - (level - width / 2)) / width, 0, 1)``. DICOM's VOI LUT (PS3.3
    C.11.2.1.2) uses ``level - 0.5`` and ``width - 1`` for integer output; the
    difference is below one grey level.

    Examples
    --------
    >>> from miakit.dicom import apply_window
    >>> apply_window(np.array([[-200.0, 40.0, 240.0, 1000.0]]), level=40, width=400)
    array([[0. , 0.5, 1. , 1. ]])
    """
    image = as_image(image_hu, "image_hu")
    width = positive(width, "width")
    level = finite(level, "level")
    return np.clip((image - (level - width / 2)) / width, 0.0, 1.0)
