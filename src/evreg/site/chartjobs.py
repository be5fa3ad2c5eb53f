"""Chart jobs: build a chart's specs (Altair) and render its SVGs (vl-convert), in a pool of
worker processes sized to the machine, or in this process.

A job is a pure function of its inputs (a spec builder and its arguments, or the spec JSON
itself), so where and in which order it runs never changes its bytes; the site tests build with
one and with several workers, with and without the cache, and compare every file. Workers start
from a fork server that has already imported Altair and the chart code, so a worker costs a
fork, and vl-convert's JavaScript runtime is only started in workers (never in a process that
forks).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

PRELOAD = [
    "evreg.site.chartjobs",
    "evreg.site.analysis_figures",
    "evreg.site.plots.prisma",
    "altair",
]


@dataclass(frozen=True)
class SpecCall:
    """``make(*args)``: an Altair spec builder (a module-level function) and its inputs."""

    make: Callable[..., Any]
    args: tuple

    def key(self) -> tuple:
        """Cache key parts: the builder's name and its inputs' repr."""
        return ("spec", self.make.__module__, self.make.__qualname__, repr(self.args))


@dataclass(frozen=True)
class JobInput:
    """What one chart needs: its spec calls (with their JSON when the cache had it) and, per
    layout, which call's result holds it (and under which key, None for the whole result),
    and which layouts still need an SVG."""

    calls: tuple[tuple[SpecCall, str | None], ...]
    layouts: tuple[tuple[str, int, str | None], ...]
    need_svg: frozenset[str]


@dataclass(frozen=True)
class JobOutput:
    """Spec JSON of each call (sorted keys), spec JSON of each layout, new SVGs by layout."""

    calls: tuple[str, ...]
    layouts: dict[str, str]
    svgs: dict[str, bytes]


def spec_json(call: SpecCall) -> str:
    """The builder's result as JSON with sorted keys (what the cache stores)."""
    return json.dumps(call.make(*call.args), sort_keys=True)


def render_svg(layout_json: str) -> bytes:
    """vl-convert's SVG of a Vega-Lite spec (JSON text)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(layout_json).encode("utf-8")


def layout_json(call_json: str, key: str | None) -> str:
    """One layout's spec JSON (sorted keys) from a builder's JSON result; "null" when the
    builder made no such layout (a chart without a compact one)."""
    if key is None:
        return call_json
    return json.dumps(json.loads(call_json).get(key), sort_keys=True)


def run_job(job: JobInput) -> JobOutput:
    """Build what is missing of one chart: spec JSON of each call, each layout's JSON, SVGs."""
    calls = tuple(known if known is not None else spec_json(call) for call, known in job.calls)
    layouts = {name: layout_json(calls[i], key) for name, i, key in job.layouts}
    svgs = {
        name: render_svg(text)
        for name, text in layouts.items()
        if name in job.need_svg and text != "null"
    }
    return JobOutput(calls, layouts, svgs)


def default_workers() -> int:
    """$EVREG_WORKERS if set, else the CPUs this process may use."""
    value = os.environ.get("EVREG_WORKERS", "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            from evreg.errors import EvregError

            raise EvregError(f"EVREG_WORKERS: {value!r} is not a number of workers") from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class InProcess(Executor):
    """Runs each job when it is submitted, in this process (one worker: no pool at all)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever waits for the result
            future.set_exception(exc)
        return future


def _context() -> multiprocessing.context.BaseContext:
    """The fork server (workers fork from a process that has imported the chart code, and
    never from one that ran vl-convert's runtime), else spawn."""
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # no fork server on this platform
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(PRELOAD)
    return context


def warm_up() -> None:
    """Start vl-convert's JavaScript runtime in a worker (a third of a second) before its
    first chart arrives."""
    render_svg('{"mark": "point"}')


class ChartPool:
    """The chart workers of one build: ``workers`` processes (1: none, jobs run in this
    process), started by the first chart that must be rendered, or at once by :meth:`start`
    (in the background, while the build validates the data and runs the plan: a build
    without a cache renders every chart).

    Like every process pool that does not fork the running process, the workers import the
    main module again: a script that builds a site must run it under
    ``if __name__ == "__main__":`` (the ``evreg`` command does).
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._executor: Executor | None = None
        self._starting: threading.Thread | None = None

    def prestart(self) -> None:
        """Start the fork server in the background (it imports Altair and the chart code,
        about a second), so that the first chart does not wait for it."""
        if self.workers > 1 and _context().get_start_method() == "forkserver":
            from multiprocessing import forkserver

            threading.Thread(target=forkserver.ensure_running, daemon=True).start()

    def start(self) -> None:
        """Start the workers now, in the background, each warming up vl-convert."""
        if self.workers > 1 and self._executor is None and self._starting is None:
            self._starting = threading.Thread(target=self._start, daemon=True)
            self._starting.start()

    def _start(self) -> None:
        executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        for _ in range(self.workers):
            executor.submit(warm_up)
        self._executor = executor

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker (in this process with one worker)."""
        if self.workers <= 1:
            return InProcess().submit(fn, *args)
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        """Stop the workers (pending jobs are cancelled)."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None
