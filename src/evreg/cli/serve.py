"""evreg serve: build the site and preview it with live reload.

Example::

    evreg serve                                   # http://127.0.0.1:8000/
    evreg serve --package examples/hackshaw1998/datapackage.json --dev-addr 127.0.0.1:8001

Builds exactly as ``evreg build`` does (validation, the analysis plan, MkDocs) into a
temporary directory and serves it with MkDocs' live-reload server. When a file of the data
package, ``site/``, ``mkdocs.yml`` or ``CHANGELOG.md`` changes, the site is rebuilt and open
browsers reload; if the change makes the data invalid, the error is printed and the last
good site stays up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from evreg.cli import options
from evreg.errors import EvregError


def configure(parser: argparse.ArgumentParser) -> None:
    options.document(
        parser,
        "examples:\n  evreg serve                 # http://127.0.0.1:8000/\n"
        "  evreg serve --package examples/hackshaw1998 --dev-addr 127.0.0.1:8001",
    )
    options.add_package(parser)
    options.add_value(
        parser,
        "--dev-addr",
        "HOST:PORT",
        "address to serve on (default: 127.0.0.1:8000)",
        default="127.0.0.1:8000",
    )
    options.add_verbose(parser)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise EvregError(f"--dev-addr {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8000")
    return host, int(port)


def watched_paths(package_path: str) -> list[Path]:
    """The files and folders whose change triggers a rebuild."""
    from evreg.data.package import descriptor_path

    descriptor = descriptor_path(package_path).resolve()
    root = descriptor.parent
    candidates = [
        descriptor,
        root / "data",
        root / "schemas",
        root / "site",
        root / "mkdocs.yml",
        root / "CHANGELOG.md",
    ]
    return [p for p in candidates if p.exists()]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    import signal

    from mkdocs.livereload import LiveReloadServer

    from evreg.cli.progress import Progress
    from evreg.site.output import build_to

    host, port = _address(args.dev_addr)
    with tempfile.TemporaryDirectory(prefix="evreg-serve-") as tmp:
        out = Path(tmp) / "site"
        progress = Progress(sys.stderr.isatty())
        print(build_to(args.package, out, progress, verbose=args.verbose), flush=True)

        def rebuild() -> None:
            try:
                print(build_to(args.package, out, verbose=args.verbose), flush=True)
            except EvregError as exc:
                print(
                    f"evreg serve: error: {exc} (still serving the last good build)",
                    file=sys.stderr,
                )

        server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(out))
        for path in watched_paths(args.package):
            server.watch(str(path))
        print(f"serving on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
        signal.signal(signal.SIGTERM, _interrupt)  # clean up the temporary site on kill
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    return 0
