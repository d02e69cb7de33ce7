"""One training loop for the book: :func:`fit` with history, early stopping and
checkpoints, and :func:`predict`.

Reproducibility without global state: batches are shuffled by a ``torch.Generator``
seeded from ``seed``, augmentations by NumPy generators seeded from ``(seed, epoch,
index)``, and any other randomness inside the model (dropout) runs inside
``torch.random.fork_rng``, which seeds a private copy of PyTorch's random state and
restores the caller's on exit. ``torch.use_deterministic_algorithms`` is switched on
for the duration of the call (warn-only) and restored after.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._checks import choice, positive, positive_int

__all__ = ["History", "fit", "predict"]

#: Hard cap on epochs, so that no call runs unbounded.
MAX_EPOCHS = 10_000


@dataclass
class History:
    """What :func:`fit` did, epoch by epoch.

    Attributes
    ----------
    train_loss, val_loss, val_score : list of float
        Mean training loss, validation loss and validation score per epoch (validation
        lists are empty without validation data; ``val_score`` without ``score_fn``).
    best_epoch : int
        Epoch (0-based) with the lowest validation loss (the last epoch without
        validation); its weights are loaded into the model at the end.
    stopped_early : bool
        Whether early stopping ended the training before ``epochs``.
    checkpoint : Path or None
        File of the best weights when ``checkpoint_dir`` was given.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    checkpoint: Path | None = None


def _loader(data: Dataset, batch_size: int, shuffle: bool, seed: int, collate_fn) -> DataLoader:
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        data, batch_size=batch_size, shuffle=shuffle, generator=generator, collate_fn=collate_fn
    )


def _optimizer(model: nn.Module, name: str, lr: float, weight_decay: float, momentum: float):
    parameters = [p for p in model.parameters() if p.requires_grad]
    if not parameters:
        raise ValueError("model has no trainable parameters (all frozen?)")
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
    return torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)


def _scheduler(optimizer, name: str | None, epochs: int, steps: int, lr: float):
    if name is None:
        return None
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps)
    if name == "step":
        return torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=max(epochs * steps // 3, 1), gamma=0.1
        )
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps)


def _evaluate(model, loader, loss_fn, score_fn) -> tuple[float, float | None]:
    model.eval()
    losses, sizes, outputs, targets = [], [], [], []
    with torch.no_grad():
        for inputs, target in loader:
            out = model(inputs)
            losses.append(float(loss_fn(out, target)))
            sizes.append(len(inputs))
            if score_fn is not None:
                outputs.append(out)
                targets.append(target)
    loss = float(np.average(losses, weights=sizes))
    score = None
    if score_fn is not None:
        score = float(score_fn(torch.cat(outputs), torch.cat(targets)))
    return loss, score


def fit(
    model: nn.Module,
    train_data: Dataset,
    *,
    loss_fn: Callable[[torch.Tensor, object], torch.Tensor],
    epochs: int,
    val_data: Dataset | None = None,
    score_fn: Callable[[torch.Tensor, torch.Tensor], float] | None = None,
    batch_size: int = 16,
    optimizer: Literal["adam", "adamw", "sgd"] = "adam",
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    momentum: float = 0.9,
    scheduler: Literal["cosine", "step", "onecycle"] | None = None,
    patience: int | None = None,
    seed: int = 0,
    collate_fn: Callable | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: bool = False,
) -> History:
    """Train ``model`` on ``train_data`` and return its :class:`History`.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place; at the end it holds the weights of the best validation epoch.
    train_data, val_data : Dataset
        Items ``(inputs, target)``. Datasets with a ``set_epoch`` method (e.g.
        :class:`~miakit.nn.ArrayDataset`) get the epoch number before each epoch.
    loss_fn : callable
        ``loss_fn(outputs, targets) -> scalar tensor``.
    epochs : int
        Maximum number of epochs (at most ``MAX_EPOCHS``).
    score_fn : callable or None
        ``score_fn(outputs, targets) -> float`` on the whole validation set (higher is
        better), recorded but not used for model selection.
    batch_size, lr, weight_decay, momentum
        Optimisation settings; ``momentum`` only for SGD.
    optimizer : {"adam", "adamw", "sgd"}
    scheduler : {"cosine", "step", "onecycle"} or None
        Learning-rate schedule stepped after every batch.
    patience : int or None
        Stop when the validation loss has not improved for this many epochs.
    seed : int
        Seed of shuffling, augmentation and dropout (see the module docstring).
    collate_fn : callable or None
        Passed to the ``DataLoader`` (e.g. to keep variable-length box lists).
    checkpoint_dir : str or Path or None
        Folder where the best weights are saved as ``best.pt`` (use a temporary folder).
    progress : bool
        Show a ``tqdm`` progress bar over epochs.

    Returns
    -------
    History

    Raises
    ------
    ValueError
        On invalid settings, ``patience`` without ``val_data``, or a non-finite loss.

    Examples
    --------
    >>> from miakit.nn import ArrayDataset, SmallCNN
    >>> rng = np.random.default_rng(0)
    >>> images = rng.normal(size=(32, 1, 8, 8)).astype(np.float32)
    >>> labels = (images.mean(axis=(1, 2, 3)) > 0).astype(np.int64)
    >>> images += labels[:, None, None, None]  # make the classes separable
    >>> model = SmallCNN(1, 2, width=4, depth=1)
    >>> history = fit(model, ArrayDataset(images, labels=labels),
    ...               loss_fn=nn.functional.cross_entropy, epochs=5, lr=0.01)
    >>> len(history.train_loss), history.train_loss[-1] < history.train_loss[0]
    (5, True)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    positive_int(epochs, "epochs")
    if epochs > MAX_EPOCHS:
        raise ValueError(f"epochs must be <= {MAX_EPOCHS}, got {epochs}")
    positive_int(batch_size, "batch_size")
    positive(lr, "lr")
    positive(weight_decay, "weight_decay", allow_zero=True)
    choice(optimizer, "optimizer", ("adam", "adamw", "sgd"))
    if scheduler is not None:
        choice(scheduler, "scheduler", ("cosine", "step", "onecycle"))
    if patience is not None:
        positive_int(patience, "patience")
        if val_data is None:
            raise ValueError("patience (early stopping) needs val_data")
    if len(train_data) == 0:
        raise ValueError("train_data is empty")
    train_loader = _loader(train_data, batch_size, True, seed, collate_fn)
    val_loader = (
        None if val_data is None else _loader(val_data, batch_size, False, seed, collate_fn)
    )
    opt = _optimizer(model, optimizer, lr, weight_decay, momentum)
    sched = _scheduler(opt, scheduler, epochs, len(train_loader), lr)
    history = History()
    best_loss, best_state, waited = np.inf, None, 0
    epoch_range = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs", leave=False)
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for epoch in epoch_range:
                for data in (train_data, val_data):
                    if hasattr(data, "set_epoch"):
                        data.set_epoch(epoch)
                model.train()
                losses, sizes = [], []
                for inputs, target in train_loader:
                    opt.zero_grad()
                    loss = loss_fn(model(inputs), target)
                    if not torch.isfinite(loss):
                        raise ValueError(
                            f"loss became {float(loss.detach())} at epoch {epoch}: lower lr (now {lr})"
                        )
                    loss.backward()
                    opt.step()
                    if sched is not None:
                        sched.step()
                    losses.append(float(loss.detach()))
                    sizes.append(len(inputs))
                history.train_loss.append(float(np.average(losses, weights=sizes)))
                current = history.train_loss[-1]
                if val_loader is not None:
                    current, score = _evaluate(model, val_loader, loss_fn, score_fn)
                    history.val_loss.append(current)
                    if score is not None:
                        history.val_score.append(score)
                if val_loader is None or current < best_loss:
                    best_loss, waited, history.best_epoch = current, 0, epoch
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    waited += 1
                    if patience is not None and waited >= patience:
                        history.stopped_early = epoch < epochs - 1
                        break
    finally:
        torch.use_deterministic_algorithms(deterministic)
    if best_state is not None:
        model.load_state_dict(best_state)
    if checkpoint_dir is not None:
        folder = Path(checkpoint_dir)
        folder.mkdir(parents=True, exist_ok=True)
        history.checkpoint = folder / "best.pt"
        torch.save(model.state_dict(), history.checkpoint)
    model.eval()
    return history


def predict(model: nn.Module, data: Dataset, *, batch_size: int = 32) -> np.ndarray:
    """Model outputs for every item of ``data`` (eval mode, no gradients), as NumPy.

    Items may be ``(inputs, target)`` pairs or inputs alone.

    Examples
    --------
    >>> from miakit.nn import ArrayDataset, SmallCNN
    >>> predict(SmallCNN(1, 3, width=2, depth=1), ArrayDataset(np.zeros((5, 1, 4, 4)))).shape
    (5, 3)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    positive_int(batch_size, "batch_size")
    model.eval()
    outputs = []
    with torch.no_grad():
        for batch in DataLoader(data, batch_size=batch_size, shuffle=False):
            inputs = batch[0] if isinstance(batch, (list, tuple)) else batch
            outputs.append(model(inputs).cpu().numpy())
    return np.concatenate(outputs)
