"""A PyTorch ``Dataset`` over virtual-cohort slices (kept apart so ``miakit.cohort`` needs no torch)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch.utils.data import Dataset

from .cohort import CohortSlices

__all__ = ["CohortSliceDataset"]

JointTransform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class CohortSliceDataset(Dataset):
    """Slices of :func:`miakit.cohort.generate_slices` as (image, mask) tensors.

    Parameters
    ----------
    slices : CohortSlices
        The generated slices.
    transform : callable or None
        ``transform(image, mask) -> (image, mask)`` on NumPy arrays of shape (C, H, W)
        and (H, W), applied to both together so that a flip or a crop moves image and
        mask identically. It receives copies, so it cannot alter ``slices``.
    target : {"lesion", "tissue"}
        ``"lesion"`` returns the lesion mask, ``"tissue"`` the tissue labels
        (:data:`miakit.cohort.TISSUE_LABELS`).

    Raises
    ------
    TypeError
        If ``slices`` is not a :class:`~miakit.cohort.CohortSlices` or ``transform``
        is not callable.
    ValueError
        If ``target`` is unknown.

    Notes
    -----
    Items are ``(image, mask)``: image float32 of shape (C, H, W), mask int64 (H, W).
    The subject of item ``i`` is ``slices.metadata.subject_id.iloc[i]``: split by
    subject, never by slice, to avoid leakage.

    Examples
    --------
    >>> from miakit.cohort import generate_slices
    >>> data = CohortSliceDataset(generate_slices(2, size=32))
    >>> image, mask = data[0]
    >>> len(data), tuple(image.shape), image.dtype, mask.dtype
    (2, (1, 32, 32), torch.float32, torch.int64)
    """

    def __init__(
        self,
        slices: CohortSlices,
        *,
        transform: JointTransform | None = None,
        target: str = "lesion",
    ) -> None:
        if not isinstance(slices, CohortSlices):
            raise TypeError(f"slices must be CohortSlices from generate_slices, got {type(slices)}")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {type(transform)}")
        if target not in ("lesion", "tissue"):
            raise ValueError(f"target must be one of ['lesion', 'tissue'], got {target!r}")
        self.slices = slices
        self.transform = transform
        self.target = target

    def __len__(self) -> int:
        return len(self.slices)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image = self.slices.images[index].copy()
        source = self.slices.lesion_masks if self.target == "lesion" else self.slices.tissue_labels
        mask = source[index].astype(np.int64)
        if self.transform is not None:
            image, mask = self.transform(image, mask)
        image_t = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
        mask_t = torch.from_numpy(np.ascontiguousarray(mask).astype(np.int64))
        return image_t, mask_t
