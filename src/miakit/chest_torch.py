"""A PyTorch ``Dataset`` over virtual chest films, with joint image-mask-box transforms.

Kept apart from :mod:`miakit.chest` so that the cohort itself needs no torch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy import ndimage
from torch.utils.data import Dataset

from .chest import ChestRadiographs

__all__ = ["BOX_LABELS", "ChestRadiographDataset", "horizontal_flip", "random_affine"]

BOX_LABELS = {"right_lung": 1, "left_lung": 2, "heart": 3, "nodule": 4}
MASK_CHANNELS = ("lungs", "heart", "nodules")
JointTransform = Callable[
    [np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]
]


def horizontal_flip(
    image: np.ndarray, masks: np.ndarray, boxes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mirror a film left-right: image (H, W), masks (C, H, W), boxes (K, 4) ``x0, y0, x1, y1``.

    Box labels are left unchanged, so the "right lung" box now lies on the image right:
    the anatomy of a flipped chest film does not occur in patients (see the chest cohort
    notebook). Provided to demonstrate that, not as a recommended augmentation.

    Examples
    --------
    >>> im, m, b = horizontal_flip(np.eye(4), np.eye(4)[None] > 0, np.array([[0.0, 0, 1, 1]]))
    >>> b.tolist(), bool(m[0, 0, 3])
    ([[3.0, 0.0, 4.0, 1.0]], True)
    """
    width = image.shape[-1]
    flipped = boxes.copy()
    flipped[:, 0], flipped[:, 2] = width - boxes[:, 2], width - boxes[:, 0]
    return image[..., ::-1].copy(), masks[..., ::-1].copy(), flipped


def random_affine(
    degrees: float = 5.0, scale: tuple[float, float] = (0.95, 1.05), *, rng=None
) -> JointTransform:
    """A transform rotating and scaling image, masks and boxes together about the centre.

    Parameters
    ----------
    degrees : float
        Rotation drawn uniformly from ``[-degrees, degrees]`` (>= 0).
    scale : tuple of 2 float
        Zoom factor drawn uniformly from ``[low, high]``, ``0 < low <= high``.
    rng : numpy.random.Generator, int or None
        Source of the random draws (``np.random.default_rng(rng)``).

    Returns
    -------
    callable
        ``transform(image, masks, boxes)``: linear interpolation for the image, nearest
        neighbour for the masks; each box becomes the bounding box of its four
        transformed corners (so it can only grow).

    Raises
    ------
    ValueError
        If ``degrees`` is negative or ``scale`` is not an increasing positive pair.

    Examples
    --------
    >>> t = random_affine(10.0, rng=0)
    >>> im, m, b = t(np.ones((8, 8)), np.ones((1, 8, 8), bool), np.array([[2.0, 2, 6, 6]]))
    >>> im.shape, m.dtype, b.shape
    ((8, 8), dtype('bool'), (1, 4))
    """
    if not np.isfinite(degrees) or degrees < 0:
        raise ValueError(f"degrees must be finite and >= 0, got {degrees!r}")
    low, high = (float(v) for v in scale)
    if not 0 < low <= high:
        raise ValueError(f"scale must satisfy 0 < low <= high, got {scale!r}")
    generator = np.random.default_rng(rng)

    def transform(image: np.ndarray, masks: np.ndarray, boxes: np.ndarray):
        angle = np.deg2rad(generator.uniform(-degrees, degrees))
        zoom = generator.uniform(low, high)
        h, w = image.shape[-2:]
        centre = np.array([(h - 1) / 2, (w - 1) / 2])
        forward = zoom * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        inverse = np.linalg.inv(forward)
        offset = centre - inverse @ centre
        out_image = ndimage.affine_transform(image, inverse, offset, order=1, mode="nearest")
        out_masks = np.stack(
            [ndimage.affine_transform(m, inverse, offset, order=0) for m in masks.astype(np.uint8)]
        ).astype(bool)
        out_boxes = boxes.copy()
        for k, (x0, y0, x1, y1) in enumerate(boxes):
            corners = np.array([[y0, x0], [y0, x1], [y1, x0], [y1, x1]]) - centre
            moved = corners @ forward.T + centre
            out_boxes[k] = [
                moved[:, 1].min(),
                moved[:, 0].min(),
                moved[:, 1].max(),
                moved[:, 0].max(),
            ]
        out_boxes[:, [0, 2]] = np.clip(out_boxes[:, [0, 2]], 0, w)
        out_boxes[:, [1, 3]] = np.clip(out_boxes[:, [1, 3]], 0, h)
        return out_image.astype(np.float32), out_masks, out_boxes

    return transform


class ChestRadiographDataset(Dataset):
    """Films of :func:`miakit.chest.generate_radiographs` as tensors with detection targets.

    Parameters
    ----------
    films : ChestRadiographs
        The generated films.
    transform : callable or None
        ``transform(image, masks, boxes) -> (image, masks, boxes)`` on NumPy arrays
        (H, W), (3, H, W) and (K, 4), applied to all three together (e.g.
        :func:`random_affine`). It receives copies.

    Raises
    ------
    TypeError
        If ``films`` is not a :class:`~miakit.chest.ChestRadiographs` or ``transform``
        is not callable.

    Notes
    -----
    Items are ``(image, target)``: image float32 (1, H, W); target a dict with
    ``masks`` uint8 (3, H, W) in the order lungs (SCR lung fields), heart, nodules;
    ``boxes`` float32 (K, 4) as ``x0, y0, x1, y1`` in pixels (torchvision order; the
    films' box table is ``row0, col0, row1, col1``); ``labels`` int64 (K,) from
    :data:`BOX_LABELS`. Split by ``films.metadata.subject_id`` to avoid leakage.

    Examples
    --------
    >>> from miakit.chest import generate_radiographs
    >>> data = ChestRadiographDataset(generate_radiographs(2, size=64))
    >>> image, target = data[0]
    >>> tuple(image.shape), tuple(target["masks"].shape), target["boxes"].shape[1]
    ((1, 64, 64), (3, 64, 64), 4)
    """

    def __init__(self, films: ChestRadiographs, *, transform: JointTransform | None = None):
        if not isinstance(films, ChestRadiographs):
            raise TypeError(
                f"films must be ChestRadiographs from generate_radiographs, got {type(films)}"
            )
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {type(transform)}")
        self.films = films
        self.transform = transform
        self._groups = {int(k): g for k, g in films.boxes.groupby("image_index")}

    def __len__(self) -> int:
        return len(self.films)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        f = self.films
        image = f.images[index].copy()
        masks = np.stack([f.lung_masks[index], f.heart_masks[index], f.nodule_masks[index]])
        table = self._groups.get(int(index), f.boxes.iloc[:0])
        boxes = table[["col0", "row0", "col1", "row1"]].to_numpy(dtype=np.float32).reshape(-1, 4)
        labels = np.array([BOX_LABELS[name] for name in table.label], dtype=np.int64)
        if self.transform is not None:
            image, masks, boxes = self.transform(image, masks, boxes)
        target = {
            "masks": torch.from_numpy(np.ascontiguousarray(masks).astype(np.uint8)),
            "boxes": torch.from_numpy(np.ascontiguousarray(boxes, dtype=np.float32)),
            "labels": torch.from_numpy(labels),
        }
        return torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None], target
