"""Self-checks for the exercises of the student edition.

The student edition of the notebooks (``make student``) has the solutions removed. Where
an exercise's answer is a single number, a choice (a string) or a small array, the
notebook of the full edition glues it under the exercise's label
(``glue("ex-06-bias-sigma", float(value), display=False)``); the builder collects these
reference values into ``answer_key.json`` next to the student notebooks, together with
the tolerance and the hint of each exercise from ``book/exercises.yml``.
:func:`check` compares a learner's answer with the key and says right or wrong without
showing the reference value.

The key is found in this order: the ``key`` argument, the ``MIAKIT_ANSWER_KEY``
environment variable, then ``answer_key.json`` in the current folder or one of its
parents (a student notebook runs in its chapter folder, one level below the key).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["KEY_FILENAME", "CheckResult", "check", "load_answer_key"]

#: File name of the answer key written by ``make student``.
KEY_FILENAME = "answer_key.json"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check`: truthy when the answer is right.

    Attributes
    ----------
    exercise_id : str
        The exercise label, e.g. ``"ex-06-bias-sigma"``.
    correct : bool
        Whether the answer lies within the stated tolerance of the reference.
    message : str
        What a learner reads: right or wrong, the tolerance, and the hint when wrong.
    """

    exercise_id: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message


def _find_key_file(start: Path) -> Path:
    for folder in (start, *start.parents):
        candidate = folder / KEY_FILENAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"no {KEY_FILENAME} found in {start} or its parents; build the student edition "
        "with `make student` and open the notebooks from its folder, or set the "
        "MIAKIT_ANSWER_KEY environment variable to the key's path"
    )


def load_answer_key(key: str | os.PathLike | Mapping | None = None) -> dict:
    """Load the answer key written by ``make student``.

    Parameters
    ----------
    key : str, path, mapping or None
        A path to ``answer_key.json``, an already loaded key (returned unchanged as a
        dict), or None to look for it (``MIAKIT_ANSWER_KEY``, then the current folder
        and its parents).

    Returns
    -------
    dict
        Exercise label -> entry with ``kind`` (``"number"``, ``"choice"`` or
        ``"array"``), ``value``, ``rtol``, ``atol`` and ``hint``.

    Raises
    ------
    FileNotFoundError
        If ``key`` is None and no key file is found, or the given path does not exist.

    Examples
    --------
    >>> load_answer_key({"ex-00-demo": {"kind": "number", "value": 2.0}})
    {'ex-00-demo': {'kind': 'number', 'value': 2.0}}
    """
    if isinstance(key, Mapping):
        return dict(key)
    if key is None:
        env = os.environ.get("MIAKIT_ANSWER_KEY")
        path = Path(env) if env is not None else _find_key_file(Path.cwd())
    else:
        path = Path(key)
    if not path.is_file():
        raise FileNotFoundError(f"key: answer key file {str(path)!r} does not exist")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["exercises"]


def _normalise_choice(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _compare(entry: Mapping, answer: object, exercise_id: str) -> tuple[bool, str]:
    kind = entry["kind"]
    rtol = float(entry.get("rtol", 0.0))
    atol = float(entry.get("atol", 0.0))
    if kind == "choice":
        if not isinstance(answer, str | bool | int):
            raise TypeError(
                f"answer: {exercise_id} expects a choice (a string), got {type(answer).__name__}"
            )
        accepted = [entry["value"], *entry.get("accept", [])]
        ok = _normalise_choice(answer) in {_normalise_choice(a) for a in accepted}
        return ok, "compared as text, ignoring case and spacing"
    try:
        value = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"answer: {exercise_id} expects a {kind}, got {type(answer).__name__} {answer!r}"
        ) from None
    reference = np.asarray(entry["value"], dtype=float)
    if value.shape != reference.shape:
        raise ValueError(
            f"answer: {exercise_id} expects shape {reference.shape}, got shape {value.shape}"
        )
    ok = bool(np.all(np.isclose(value, reference, rtol=rtol, atol=atol, equal_nan=True)))
    parts = []
    if rtol > 0:
        parts.append(f"{rtol:.0%} relative")
    if atol > 0:
        parts.append(f"{atol:g} absolute")
    tolerance = " + ".join(parts) if parts else "exact"
    return ok, f"tolerance: {tolerance}"


def check(
    exercise_id: str,
    answer: object,
    *,
    key: str | os.PathLike | Mapping | None = None,
) -> CheckResult:
    """Say whether ``answer`` solves the exercise ``exercise_id``.

    Parameters
    ----------
    exercise_id : str
        The exercise label shown in its box, e.g. ``"ex-06-bias-sigma"`` (its identifier
        form ``"ex_06_bias_sigma"`` is accepted too).
    answer : float, str or array_like
        Your answer. Numbers and arrays are compared with the exercise's tolerance
        (``|answer - reference| <= atol + rtol * |reference|``), choices as text ignoring
        case and spacing. ``...`` (Ellipsis) means "not answered yet".
    key : str, path, mapping or None, optional
        The answer key; see :func:`load_answer_key`.

    Returns
    -------
    CheckResult
        Truthy when right; its text says right or wrong and, when wrong, gives the hint.
        The reference value is never shown.

    Raises
    ------
    KeyError
        If ``exercise_id`` is not in the answer key (the message lists the known ids).
    TypeError
        If ``answer`` has the wrong type for the exercise (text for a number ...).
    ValueError
        If an array answer has the wrong shape.
    FileNotFoundError
        If no answer key can be found.

    Examples
    --------
    >>> key = {"ex-00-demo": {"kind": "number", "value": 2.0, "rtol": 0.05, "hint": "Halve it."}}
    >>> check("ex-00-demo", 2.04, key=key)
    ex-00-demo: right (tolerance: 5% relative).
    >>> bool(check("ex-00-demo", 3.0, key=key))
    False
    >>> bool(check("ex_00_demo", 2.0, key=key))
    True
    """
    exercises = load_answer_key(key)
    if exercise_id not in exercises and isinstance(exercise_id, str):
        exercise_id = exercise_id.replace("_", "-")
    if exercise_id not in exercises:
        known = ", ".join(sorted(exercises)) or "none"
        raise KeyError(
            f"exercise_id: unknown exercise {exercise_id!r}; the answer key knows: {known}"
        )
    entry = exercises[exercise_id]
    hint = entry.get("hint") or "re-read the exercise and the section it builds on."
    if answer is Ellipsis:
        return CheckResult(
            exercise_id, False, f"{exercise_id}: not answered yet; replace ... with your answer."
        )
    ok, how = _compare(entry, answer, exercise_id)
    if ok:
        return CheckResult(exercise_id, True, f"{exercise_id}: right ({how}).")
    return CheckResult(exercise_id, False, f"{exercise_id}: not yet ({how}). Hint: {hint}")
