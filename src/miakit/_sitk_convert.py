"""Former home of the NumPy <-> SimpleITK helpers, kept as a re-export.

The public module is :mod:`miakit.sitk_io`; import from there.
"""

from .sitk_io import from_sitk, mask_points_mm, to_sitk

__all__ = ["from_sitk", "mask_points_mm", "to_sitk"]
