"""Checking and cleaning digitised Kaplan-Meier points and a printed at-risk table.

Digitised points are noisy: slightly unsorted, a little above 1, a little rising. Such
points are cleaned, each with a note; a curve that truly rises or leaves [0, 1] is refused
with an error naming the row. Row numbers count the header as line 1, as editors show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evreg.stats.derive.result import DerivationError

TOLERANCE = 0.02  # digitisation noise accepted (and cleaned) on the 0-1 survival scale
STEP_WIDTH = 0.005  # share of the time axis within which points belong to one vertical step
CONTRADICTION = 0.05  # share of those at risk at 0 by which the table may exceed the curve


@dataclass(frozen=True)
class Curve:
    """A cleaned Kaplan-Meier curve: strictly increasing times from 0, non-increasing
    survival from 1, with the notes on what cleaning did."""

    label: str
    time: np.ndarray
    survival: np.ndarray
    notes: tuple[str, ...]

    def at(self, t: np.ndarray) -> np.ndarray:
        """Step-function value at times ``t`` (the last point at or before each)."""
        idx = np.searchsorted(self.time, t, side="right") - 1
        return self.survival[np.clip(idx, 0, None)]


def _scale(s: np.ndarray, where: str) -> tuple[np.ndarray, list[str]]:
    if np.nanmax(s) > 1.0 + 0.5:
        return s / 100.0, [f"{where}: survival read as percentages (largest {np.max(s):g})"]
    return s, [f"{where}: survival read as fractions 0-1"]


def clean_curve(
    label: str,
    time: np.ndarray,
    survival: np.ndarray,
    where: str,
    lines: np.ndarray | None = None,
) -> Curve:
    """Sort, scale, clip and make monotone the digitised points of one curve. ``where``
    names the input (a file) in messages, ``lines`` each point's line (default i + 2)."""
    t, s = np.asarray(time, dtype=float), np.asarray(survival, dtype=float)
    line = _lines(lines, t.size)
    if t.size < 2:
        raise DerivationError(f"{where}: at least 2 points are needed, found {t.size}")
    bad = ~(np.isfinite(t) & np.isfinite(s))
    if bad.any():
        raise DerivationError(f"{where}:{line[np.flatnonzero(bad)[0]]}: not a number")
    if (t < 0).any():
        raise DerivationError(f"{where}:{line[np.flatnonzero(t < 0)[0]]}: time below 0")
    s, notes = _scale(s, where)
    out = (s > 1 + TOLERANCE) | (s < -TOLERANCE)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise DerivationError(
            f"{where}:{line[i]}: survival {s[i]:.3g} is outside 0-1 (a curve above 1 "
            "or below 0 is not a Kaplan-Meier curve)"
        )
    order = np.argsort(t, kind="stable")
    if (order != np.arange(t.size)).any():
        notes.append(f"{where}: points sorted by time")
    line = line[order]
    t, s = t[order], s[order]
    _refuse_rise(t, s, line, where)
    clipped = np.clip(np.minimum.accumulate(s), 0.0, 1.0)
    if (np.abs(clipped - s) > 1e-12).any():
        n = int((np.abs(clipped - s) > 1e-12).sum())
        notes.append(f"{where}: {n} point(s) clipped to 0-1 or lowered to keep the curve falling")
    t, s = _merge_ties(t, clipped)
    if t[0] > 0:
        t, s = np.concatenate(([0.0], t)), np.concatenate(([1.0], s))
        notes.append(f"{where}: the curve starts at (0, 1)")
    s[0] = 1.0
    return Curve(label, t, s, tuple(notes))


def _refuse_rise(t: np.ndarray, s: np.ndarray, line: np.ndarray, where: str) -> None:
    """A point above an earlier one by more than the noise is an error, unless the two are
    within STEP_WIDTH of the axis (the top and foot of one vertical step, clicked apart)."""
    low = np.minimum.accumulate(s)
    earlier = np.searchsorted(t, t - STEP_WIDTH * t[-1], side="right") - 1
    floor = np.where(earlier >= 0, low[np.clip(earlier, 0, None)], np.inf)
    rise = s - floor
    if (rise > TOLERANCE).any():
        i = int(np.flatnonzero(rise > TOLERANCE)[0])
        raise DerivationError(
            f"{where}:{line[i]}: survival rises to {s[i]:.3g} at time {t[i]:g} "
            f"after {float(floor[i]):.3g} earlier (a Kaplan-Meier curve never rises)"
        )


def _lines(lines: np.ndarray | None, size: int) -> np.ndarray:
    return np.arange(size) + 2 if lines is None else np.asarray(lines, dtype=int)


def _merge_ties(t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One point per time (the lowest survival there: the foot of a vertical step)."""
    keep = np.ones(t.size, dtype=bool)
    keep[:-1] = t[1:] != t[:-1]
    return t[keep], s[keep]


def check_at_risk(
    curve: Curve,
    times: np.ndarray,
    counts: np.ndarray,
    where: str,
    lines: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The printed numbers at risk of one group, checked against its curve: whole numbers,
    from time 0, not rising, and never more at risk than the curve leaves alive of those at
    time 0 (censoring only lowers the number; digitisation noise is allowed for)."""
    t, n = np.asarray(times, dtype=float), np.asarray(counts, dtype=float)
    line = _lines(lines, t.size)
    col = f"column {curve.label!r}"
    if t.size == 0 or t[0] != 0:
        raise DerivationError(f"{where}: {col}: the table must start at time 0")
    if (np.diff(t) <= 0).any():
        i = int(np.flatnonzero(np.diff(t) <= 0)[0]) + 1
        raise DerivationError(f"{where}:{line[i]}: times must increase")
    if (n < 0).any() or (n != np.round(n)).any() or n[0] <= 0:
        i = int(
            np.flatnonzero((n < 0) | (n != np.round(n)) | (np.arange(n.size) == 0) & (n <= 0))[0]
        )
        raise DerivationError(f"{where}:{line[i]}: {col}: {n[i]:g} is not a positive whole number")
    if (np.diff(n) > 0).any():
        i = int(np.flatnonzero(np.diff(n) > 0)[0]) + 1
        raise DerivationError(
            f"{where}:{line[i]}: {col}: the number at risk rises ({n[i - 1]:g} to {n[i]:g})"
        )
    notes: list[str] = []
    beyond = t > curve.time[-1]
    if beyond.any():
        notes.append(f"{where}: {int(beyond.sum())} time(s) after the curve's last point not used")
        t, n = t[~beyond], n[~beyond]
    alive = n[0] * curve.at(t)
    over = n - alive > np.maximum(3.0, CONTRADICTION * n[0])
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise DerivationError(
            f"{where}:{line[i]}: {col}: {n[i]:g} at risk at time {t[i]:g}, but the curve "
            f"({curve.at(t[i : i + 1])[0]:.3g} there) leaves at most about {alive[i]:.0f} of "
            f"the {n[0]:g} at time 0 (the table contradicts the curve)"
        )
    return t, n.astype(int), tuple(notes)
