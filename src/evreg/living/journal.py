"""All-or-nothing writes of several package files, with a journal the next run completes or
rolls back.

A transaction (``evreg add-study``, ``evreg release``), holding a lock on the package folder:

1. writes each new file beside its target as ``.<name>.evreg-new`` and keeps the target's
   current bytes as ``.<name>.evreg-old`` (a hard link: no copy);
2. writes the journal ``.evreg-journal.json`` (state ``prepared``) naming them;
3. replaces each target with its new file (``os.replace``);
4. rewrites the journal as ``done``, then removes the old copies and the journal.

Any exception, SIGTERM or SIGINT before step 4 restores every target from its old copy. A run
killed outright leaves the journal: the next transaction or :func:`recover` rolls a
``prepared`` journal back and completes a ``done`` one, then removes stale ``.evreg-new`` and
``.evreg-old`` files. Either way every file is as before or every file is new.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from evreg.data.writes import (
    locked,
    remove,
    rename,
    shielded,
    signals_raise,
    step,
    write_durably,
)
from evreg.errors import EvregError

JOURNAL = ".evreg-journal.json"
NEW, OLD = ".evreg-new", ".evreg-old"
# Folders scanned for stale files besides those a journal names: the package's own.
PACKAGE_FOLDERS = (".", "data", "schemas")


def _new(path: Path) -> Path:
    return path.with_name(f".{path.name}{NEW}")


def _old(path: Path) -> Path:
    return path.with_name(f".{path.name}{OLD}")


def write_all_or_none(
    root: Path, changes: Mapping[Path, bytes], originals: Mapping[Path, bytes | None]
) -> None:
    """Replace every file of ``changes`` or none (module docstring). ``originals`` holds each
    file's bytes as read before the caller's checks (None: did not exist); a file changed
    meanwhile stops the whole write."""
    with locked(root, "the package"), signals_raise():
        _recover(root)
        for path in changes:
            current = path.read_bytes() if path.exists() else None
            if current != originals[path]:
                raise EvregError(f"{path}: changed by someone else meanwhile; try again")
        files = [(path, originals[path] is not None) for path in changes]
        try:
            _prepare(changes)
            _write_journal(root, "prepared", files)
            for path, _ in files:
                rename(_new(path), path)
            _write_journal(root, "done", files)
        except BaseException:
            with shielded():
                _roll_back(files)
                remove(root / JOURNAL)
            raise
        _finish(root, [path for path, _ in files])


def _prepare(changes: Mapping[Path, bytes]) -> None:
    for path, content in changes.items():
        new = _new(path)
        write_durably(new, content)
        if path.exists():
            shutil.copymode(path, new)
            old = _old(path)
            old.unlink(missing_ok=True)
            os.link(path, old)
            step()


def _write_journal(root: Path, state: str, files: Iterable[tuple[Path, bool]]) -> None:
    entries = [{"path": os.path.relpath(p, root), "existed": existed} for p, existed in files]
    text = json.dumps({"state": state, "files": entries}, indent=1) + "\n"
    tmp = _new(root / JOURNAL)
    write_durably(tmp, text.encode("utf-8"))
    rename(tmp, root / JOURNAL)


def _roll_back(files: Iterable[tuple[Path, bool]]) -> None:
    """Every file back to its old copy (removed if it did not exist before); temps removed."""
    for path, existed in files:
        old = _old(path)
        if old.exists() and path.exists() and os.path.samefile(old, path):
            remove(old)  # not replaced yet (rename between two links of one file does nothing)
        elif old.exists():
            rename(old, path)
        elif not existed:
            remove(path)
        remove(_new(path))


def _finish(root: Path, targets: Iterable[Path]) -> None:
    for path in targets:
        remove(_old(path))
        remove(_new(path))
    remove(root / JOURNAL)


def _recover(root: Path) -> str | None:
    """Complete or roll back an interrupted transaction; remove stale files. Returns what was
    done ("rolled back", "completed") or None."""
    journal = root / JOURNAL
    done = None
    if journal.exists():
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            state = data["state"]
            files = [(root / e["path"], bool(e["existed"])) for e in data["files"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EvregError(
                f"{journal}: unreadable journal of an interrupted write ({exc})"
            ) from None
        if state == "done":
            _finish(root, [p for p, _ in files])
            done = "completed"
        else:
            _roll_back(files)
            remove(journal)
            done = "rolled back"
    _clean_stale(root)
    return done


def _clean_stale(root: Path) -> None:
    for folder in PACKAGE_FOLDERS:
        where = root / folder
        if not where.is_dir():
            continue
        for entry in where.iterdir():
            name = entry.name
            if name.startswith(".") and name.endswith((NEW, OLD)) and entry.is_file():
                remove(entry)


def recover(root: Path) -> str | None:
    """Before reading the package: finish what an interrupted add-study or release left
    (module docstring). Returns "rolled back", "completed" or None (nothing to do)."""
    if not (root / JOURNAL).exists() and not _has_stale(root):
        return None
    with locked(root, "the package"), signals_raise():
        return _recover(root)


def _has_stale(root: Path) -> bool:
    for folder in PACKAGE_FOLDERS:
        where = root / folder
        if where.is_dir() and any(
            e.name.startswith(".") and e.name.endswith((NEW, OLD)) for e in where.iterdir()
        ):
            return True
    return False
