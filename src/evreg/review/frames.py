"""The plan's results as a pandas DataFrame: what results.csv holds, typed by its Table Schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from evreg.data.package import Package
from evreg.review.results import RegistryResults, results_rows, results_schema

if TYPE_CHECKING:
    import pandas as pd


def results_frame(results: RegistryResults | Package | str | Path) -> pd.DataFrame:
    """One row per analysis x subgroup level x model, with the columns and dtypes of
    ``results_schema()`` (as :func:`evreg.data.read_results` reads a built site's results.csv):
    ``primary`` boolean, ``k`` and ``Q_df`` Int64, the numbers float64, the rest ``string``;
    ``subgroup_level`` is missing for the whole analysis.

    ``results``: computed results (``run_plan``), a loaded package, or the path of a package
    (datapackage.json or its directory), whose plan is then run.
    """
    from evreg.data.frames import typed_frame

    if isinstance(results, (str, Path)):
        from evreg.data.package import load_package

        results = load_package(results)
    if isinstance(results, Package):
        from evreg.review.plan import run_plan

        results = run_plan(results)
    rows = [{k: (None if v == "" else v) for k, v in row.items()} for row in results_rows(results)]
    return typed_frame(results_schema()["fields"], rows, file="results")
