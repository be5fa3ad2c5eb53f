"""Moved to :mod:`evreg.data.versions` (the site reads versions too); kept for imports."""

from evreg.data.versions import bump_version, version_key

__all__ = ["bump_version", "version_key"]
