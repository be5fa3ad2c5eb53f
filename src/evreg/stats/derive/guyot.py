"""Individual data from a Kaplan-Meier curve and its numbers at risk: Guyot et al. 2012
(BMC Med Res Methodol 12:9), the iterative algorithm of its Appendix, written anew.

Per interval between printed at-risk times, censorings are first guessed from the curve,
spread evenly over the interval, events at each digitised step are found so that the
reconstructed KM matches the curve, and the censoring count is adjusted until the
reconstructed number at risk at the interval's end matches the printed one. The last
interval takes the average censoring rate; a printed total of events adjusts it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evreg.stats.derive.curves import Curve

MAX_ROUNDS = 1000


@dataclass(frozen=True)
class GroupIPD:
    """Reconstructed individual data of one group and its reconstructed numbers at risk."""

    label: str
    time: np.ndarray
    event: np.ndarray
    risk_time: np.ndarray
    risk_printed: np.ndarray
    risk_reconstructed: np.ndarray
    notes: tuple[str, ...]

    @property
    def events(self) -> int:
        return int(self.event.sum())

    @property
    def censored(self) -> int:
        return int(self.event.size - self.event.sum())


def _with_risk_points(curve: Curve, risk_time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add a point at each at-risk time the digitised curve lacks (its step value there),
    so that every interval holds at least one point."""
    missing = risk_time[~np.isin(risk_time, curve.time)]
    t = np.concatenate((curve.time, missing))
    s = np.concatenate((curve.survival, curve.at(missing)))
    order = np.argsort(t, kind="stable")
    return t[order], s[order]


class _Guyot:
    """State of the algorithm for one group (arrays indexed by digitised point)."""

    def __init__(self, t: np.ndarray, s: np.ndarray, risk_t: np.ndarray, risk_n: np.ndarray):
        self.t, self.s = t, s
        self.n_risk = risk_n.astype(float).copy()
        self.lower = np.searchsorted(t, risk_t, side="left")
        self.upper = np.append(self.lower[1:] - 1, t.size - 1)
        m = t.size
        self.d = np.zeros(m)
        self.cen = np.zeros(m)
        self.n_hat = np.full(m + 1, self.n_risk[0] + 1)
        self.km_hat = np.ones(m)
        self.last_i = np.zeros(risk_t.size, dtype=int)
        self.n_censor = np.zeros(risk_t.size)
        self.notes: list[str] = []

    def _spread(self, count: float, lo: int, hi: int) -> None:
        """Censorings spread evenly over (t[lo], t[hi]), counted per digitised step."""
        self.cen[lo:hi] = 0
        if count <= 0 or hi <= lo:
            return
        j = np.arange(1, int(count) + 1)
        times = self.t[lo] + j * (self.t[hi] - self.t[lo]) / (count + 1)
        bins = np.searchsorted(self.t[lo : hi + 1], times, side="left") - 1
        self.cen[lo:hi] = np.bincount(np.clip(bins, 0, hi - lo - 1), minlength=hi - lo)

    def _events(self, i: int, first: int, stop: int, floor: bool) -> None:
        """Events at points first..stop-1 so the reconstructed KM follows the curve."""
        self.n_hat[first] = self.n_risk[i]
        last = self.last_i[i]
        for k in range(first, stop):
            if k == 0:
                self.d[k], self.km_hat[k] = 0, 1.0
            else:
                ref = self.km_hat[last]
                self.d[k] = np.round(self.n_hat[k] * (1 - self.s[k] / ref)) if ref > 0 else 0
                if self.n_hat[k] > 0:
                    self.km_hat[k] = ref * (1 - self.d[k] / self.n_hat[k])
                else:
                    self.km_hat[k] = ref
            self.n_hat[k + 1] = self.n_hat[k] - self.d[k] - self.cen[k]
            if floor and self.n_hat[k + 1] < 0:
                self.n_hat[k + 1] = 0
                self.cen[k] = self.n_hat[k] - self.d[k]
            if self.d[k] != 0:
                last = k
        self._last = last

    def interval(self, i: int) -> None:
        """Intervals before the last: adjust censoring until the next at-risk number fits."""
        lo, nxt = self.lower[i], self.lower[i + 1]
        ratio = self.s[nxt] / self.s[lo] if self.s[lo] > 0 else 0.0
        self.n_censor[i] = np.round(self.n_risk[i] * ratio - self.n_risk[i + 1])
        for _ in range(MAX_ROUNDS):
            if self.n_censor[i] <= 0:
                self.n_censor[i] = 0
            self._spread(self.n_censor[i], lo, nxt)
            self._events(i, lo, nxt, floor=False)
            gap = self.n_hat[nxt] - self.n_risk[i + 1]
            self.n_censor[i] += gap
            if not (gap > 0 or (gap < 0 and self.n_censor[i] > 0)):
                break
        else:
            self.notes.append(f"interval {i + 1}: censoring did not settle in {MAX_ROUNDS} rounds")
        if self.n_hat[nxt] < self.n_risk[i + 1]:
            self.n_risk[i + 1] = self.n_hat[nxt]
        self.last_i[i + 1] = self._last

    def last_interval(self, count: float) -> None:
        i = self.n_risk.size - 1
        lo, up = self.lower[i], self.upper[i]
        self.n_censor[i] = max(0.0, count)
        self._spread(self.n_censor[i], lo, up)
        self._events(i, lo, up + 1, floor=True)

    def run(self, total_events: int | None) -> None:
        n_int = self.n_risk.size
        for i in range(n_int - 1):
            self.interval(i)
        count = 0.0
        if n_int > 1:
            span = self.t[self.upper[-2]] - self.t[self.lower[0]]
            rate = self.n_censor[:-1].sum() / span if span > 0 else 0.0
            count = min(
                np.round(rate * (self.t[self.upper[-1]] - self.t[self.lower[-1]])), self.n_risk[-1]
            )
        self.last_interval(count)
        if total_events is not None:
            self._match_events(int(total_events))

    def _match_events(self, total: int) -> None:
        """Guyot's adjustment of the last interval's censoring to the printed total events."""
        lo, up = self.lower[-1], self.upper[-1]
        before = self.d[:lo].sum()
        if before >= total and self.n_risk.size > 1:
            self.d[lo : up + 1] = 0
            self.cen[lo:up] = 0
            self.n_hat[lo + 1 : up + 2] = self.n_risk[-1]
            self.notes.append(f"the printed {total} events are reached before the last interval")
            return
        for _ in range(MAX_ROUNDS):
            gap = self.d[: up + 1].sum() - total
            if not (gap > 0 or (gap < 0 and self.n_censor[-1] > 0)):
                return
            self.last_interval(self.n_censor[-1] + gap)
        self.notes.append(f"the printed {total} events could not be matched exactly")

    def ipd(self) -> tuple[np.ndarray, np.ndarray]:
        """Events at their step times, censorings mid-step, the rest censored at the end."""
        d, cen = self.d.astype(int), self.cen.astype(int)
        n0 = int(self.n_risk[0])
        mid = np.append((self.t[:-1] + self.t[1:]) / 2, self.t[-1])
        times = np.concatenate((np.repeat(self.t, d), np.repeat(mid, cen)))
        events = np.concatenate((np.ones(d.sum()), np.zeros(cen.sum())))
        rest = n0 - times.size
        if rest > 0:
            times = np.concatenate((times, np.full(rest, self.t[-1])))
            events = np.concatenate((events, np.zeros(rest)))
        return times[:n0], events[:n0].astype(int)


def reconstruct(
    curve: Curve, risk_time: np.ndarray, risk_n: np.ndarray, total_events: int | None = None
) -> GroupIPD:
    """Guyot 2012: individual (time, event) data of one group from its cleaned curve and its
    checked numbers at risk (times from 0, within the curve)."""
    t, s = _with_risk_points(curve, np.asarray(risk_time, dtype=float))
    state = _Guyot(t, s, np.asarray(risk_time, dtype=float), np.asarray(risk_n))
    state.run(total_events)
    time, event = state.ipd()
    at = np.asarray(risk_time, dtype=float)
    reconstructed = np.array([(time >= x).sum() for x in at])
    return GroupIPD(
        curve.label,
        time,
        event,
        at,
        np.asarray(risk_n, dtype=int),
        reconstructed,
        tuple(state.notes),
    )
