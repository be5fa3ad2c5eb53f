"""Write package files only if the package stays valid: the new bytes are put in a copy of the
package, every check runs on it, and only if no error appears that the package did not already
have are the real files replaced (all of them, or none: see
:func:`evreg.living.files.replace_atomically`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from evreg.errors import EvregError
from evreg.living.files import copy_package, replace_atomically

SHOWN = 5


def new_errors(package: Path, files: Mapping[Path, bytes]) -> list[str]:
    """The validation errors the package would have with ``files`` written and has not now."""
    from evreg.data.validate import validate_package

    root = package.parent
    before = {str(f) for f in validate_package(package) if f.severity == "error"}
    with tempfile.TemporaryDirectory(prefix="evreg-write-") as tmp:
        copy = copy_package(package, Path(tmp))
        for path, content in files.items():
            (copy.parent / path.relative_to(root)).write_bytes(content)
        prefix = str(copy.parent) + os.sep
        after = [
            str(f).replace(prefix, "") for f in validate_package(copy) if f.severity == "error"
        ]
    return [text for text in after if text not in before]


def write_checked(
    package: Path, files: Mapping[Path, bytes], originals: Mapping[Path, bytes | None], what: str
) -> None:
    """Replace ``files`` if the package stays valid; else EvregError listing the new errors
    ("``what`` would make the package invalid: ...; nothing was written")."""
    errors = new_errors(package, files)
    if errors:
        shown = "; ".join(errors[:SHOWN])
        more = f"; and {len(errors) - SHOWN} more" if len(errors) > SHOWN else ""
        raise EvregError(
            f"{what} would make the package invalid: {shown}{more}; nothing was written"
        )
    replace_atomically(files, originals, package.parent)
