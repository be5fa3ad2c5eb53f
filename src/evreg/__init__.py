"""evreg: a living evidence registry (data package, meta-analysis engine, static site)."""

__version__ = "0.1.0"
