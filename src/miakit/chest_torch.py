"""A PyTorch ``Dataset`` over virtual chest films, with masks and detection boxes.

Kept apart from :mod:`miakit.chest` so that the cohort itself needs no torch. The joint
transforms are those of :mod:`miakit.nn.data` (``RandomFlip``, ``RandomRotation``, ...),
which move image, masks and boxes together.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from .chest import ChestRadiographs
from .nn.data import JointTransform

__all__ = ["BOX_LABELS", "MASK_CHANNELS", "ChestRadiographDataset"]

BOX_LABELS = {"right_lung": 1, "left_lung": 2, "heart": 3, "nodule": 4}
MASK_CHANNELS = ("lungs", "heart", "nodules")


class ChestRadiographDataset(Dataset):
    """Films of :func:`miakit.chest.generate_radiographs` as tensors with detection targets.

    Parameters
    ----------
    films : ChestRadiographs
        The generated films.
    transform : JointTransform or None
        A :mod:`miakit.nn.data` transform, ``transform(sample, rng) -> sample`` on the
        sample dict ``image`` (1, H, W), ``mask`` (3, H, W), ``boxes`` (K, 4),
        ``labels`` (K,), applied with a generator seeded by ``(seed, epoch, index)``.
    seed : int
        Seed of the augmentations; :meth:`set_epoch` changes them each epoch.

    Raises
    ------
    TypeError
        If ``films`` is not a :class:`~miakit.chest.ChestRadiographs` or ``transform``
        is not callable.

    Notes
    -----
    Items are ``(image, target)``: image float32 (1, H, W); target a dict with
    ``masks`` uint8 (3, H, W) in the order of :data:`MASK_CHANNELS` (SCR lung fields,
    heart, nodules); ``boxes`` float32 (K, 4) as ``x0, y0, x1, y1`` in pixels (x the
    column; the films' box table is ``row0, col0, row1, col1``); ``labels`` int64 (K,)
    from :data:`BOX_LABELS`. A left-right flip keeps the labels, so a flipped "right
    lung" lies on the image right: an anatomy no patient has (chest cohort notebook).
    Split by ``films.metadata.subject_id`` to avoid leakage.

    Examples
    --------
    >>> from miakit.chest import generate_radiographs
    >>> data = ChestRadiographDataset(generate_radiographs(2, size=64))
    >>> image, target = data[0]
    >>> tuple(image.shape), tuple(target["masks"].shape), target["boxes"].shape[1]
    ((1, 64, 64), (3, 64, 64), 4)
    """

    def __init__(
        self, films: ChestRadiographs, *, transform: JointTransform | None = None, seed: int = 0
    ) -> None:
        if not isinstance(films, ChestRadiographs):
            raise TypeError(
                f"films must be ChestRadiographs from generate_radiographs, got {type(films)}"
            )
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {type(transform)}")
        self.films, self.transform, self.seed, self.epoch = films, transform, int(seed), 0
        self._groups = {int(k): g for k, g in films.boxes.groupby("image_index")}

    def set_epoch(self, epoch: int) -> None:
        """Use the augmentations of ``epoch``."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.films)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        f = self.films
        table = self._groups.get(int(index), f.boxes.iloc[:0])
        sample = {
            "image": f.images[index][None].astype(np.float32),
            "mask": np.stack([f.lung_masks[index], f.heart_masks[index], f.nodule_masks[index]]),
            "boxes": table[["col0", "row0", "col1", "row1"]].to_numpy(np.float32).reshape(-1, 4),
            "labels": np.array([BOX_LABELS[name] for name in table.label], dtype=np.int64),
        }
        sample["mask"] = sample["mask"].astype(np.int64)
        if self.transform is not None:
            rng = np.random.default_rng([self.seed, self.epoch, int(index)])
            sample = self.transform(sample, rng)
        target = {
            "masks": torch.from_numpy(np.ascontiguousarray(sample["mask"]).astype(np.uint8)),
            "boxes": torch.from_numpy(np.ascontiguousarray(sample["boxes"], dtype=np.float32)),
            "labels": torch.from_numpy(np.asarray(sample["labels"], dtype=np.int64)),
        }
        return torch.from_numpy(np.ascontiguousarray(sample["image"], dtype=np.float32)), target
