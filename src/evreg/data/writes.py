"""The file operations of the commands that change files (add-study, release, build): durable
writes, renames, an exclusive lock, and SIGTERM/SIGINT turned into exceptions so that a
command interrupted by a signal rolls back like any failure.

Each operation that changes a file calls :func:`step`. Tests set ``EVREG_TEST_KILL_AT_STEP=N``
to have the process SIGKILLed right after the Nth such operation (as a power cut or an
out-of-memory kill would), and check that the files are consistent and the next run recovers;
unset (always, outside those tests), :func:`step` does nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from evreg.errors import EvregError

KILL_ENV = "EVREG_TEST_KILL_AT_STEP"
_steps = 0


def step() -> None:
    """One file operation done; the test-only kill hook (see the module docstring)."""
    global _steps
    wanted = os.environ.get(KILL_ENV, "")
    if not wanted.isdigit():
        return
    _steps += 1
    if _steps == int(wanted):
        os.kill(os.getpid(), signal.SIGKILL)


def write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created or truncated) and flush it to disk."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    step()


def rename(src: Path, dst: Path) -> None:
    """``os.replace`` (atomic on one file system), then the directory entry made durable."""
    os.replace(src, dst)
    _sync_dir(dst.parent)
    step()


def replace_file(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` or, if anything fails, what it held before: a durable temp file
    beside it, then :func:`rename`."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write_durably(tmp, data)
        rename(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remove(path: Path) -> None:
    """Remove a file if it is there."""
    path.unlink(missing_ok=True)
    step()


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block; a second process waits for it. A
    directory is locked itself (nothing is created in it); another path is a lock file,
    created if needed. ``what`` names what is locked in errors."""
    import fcntl

    try:
        if path.is_dir():
            fd = os.open(path, os.O_RDONLY)
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise EvregError(f"{path}: cannot lock {what}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Interrupted(KeyboardInterrupt):
    """SIGTERM received inside :func:`signals_raise`: handled as an interrupt (Ctrl-C)."""


_shield = 0
_pending: list[int] = []


def _interrupt(signum: int) -> KeyboardInterrupt:
    if signum == signal.SIGTERM:
        return Interrupted("terminated (SIGTERM)")
    return KeyboardInterrupt()


def _handler(signum: int, frame: object) -> None:
    if _shield:
        _pending.append(signum)  # delivered when the shielded block ends
        return
    raise _interrupt(signum)


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """Inside the block SIGTERM raises :class:`Interrupted` and SIGINT KeyboardInterrupt, so
    ``except BaseException`` clean-up runs (outside the main thread: nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, _handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """SIGTERM and SIGINT held back for the block (a roll-back is not itself interrupted);
    one that arrived meanwhile is raised when the block ends. (Python runs signal handlers in
    the main thread whichever thread the system gave the signal to, so a flag read by the
    handler holds them back where a thread's signal mask would not.)"""
    global _shield
    _shield += 1
    try:
        yield
    finally:
        _shield -= 1
        if not _shield and _pending:
            signum = _pending[0]
            _pending.clear()
            raise _interrupt(signum)
