"""Vendor the Vega bundle that the installed vl-convert makes, so builds need not make it.

Run after upgrading vl-convert-python::

    .venv/bin/python -m evreg.site.bundle

It writes ``src/evreg/site/assets/vega-bundle-<version>.js.gz`` (gzip without a timestamp, so
the same bundle gives the same bytes) and removes the copies for other versions. Without a copy
for the installed version a build makes the bundle itself (seconds) and caches it.
"""

from __future__ import annotations

import gzip
import sys

from evreg.site.charts import vendored_bundle


def write_vendored_bundle() -> str:
    """Write the gzipped bundle of the installed vl-convert; return its path."""
    import vl_convert as vlc

    dest = vendored_bundle()
    for old in dest.parent.glob("vega-bundle-*.js.gz"):
        if old != dest:
            old.unlink()
    payload = vlc.javascript_bundle().encode("utf-8")
    dest.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    return str(dest)


if __name__ == "__main__":
    print(write_vendored_bundle())
    sys.exit(0)
