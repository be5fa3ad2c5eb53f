"""`evreg.review.results_frame`: the plan's results as the DataFrame a built site's results.csv
holds, typed by `results_schema()`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.sites import EXAMPLE, built_site

import evreg.data
import evreg.review
from evreg.data.package import load_package
from evreg.review.plan import results_rows, results_schema, run_plan

DTYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}


@pytest.fixture(scope="module")
def results():
    return run_plan(load_package(EXAMPLE))


def test_columns_and_dtypes_follow_the_results_schema(results) -> None:
    df = evreg.review.results_frame(results)
    fields = results_schema()["fields"]
    assert list(df.columns) == [f["name"] for f in fields]
    assert {f["name"]: str(df[f["name"]].dtype) for f in fields} == {
        f["name"]: DTYPES[f["type"]] for f in fields
    }


def test_one_row_per_results_row_with_its_values(results) -> None:
    """Same rows and values as results_rows (an empty subgroup level is missing)."""
    df = evreg.review.results_frame(results)
    rows = results_rows(results)
    assert len(df) == len(rows) and len(rows) > 0
    as_dicts = df.astype(object).where(df.notna(), None).to_dict("records")
    for got, row in zip(as_dicts, rows, strict=True):
        assert got == {k: (None if v == "" else v) for k, v in row.items()}
    overall = df["subgroup_level"].isna()
    assert overall.any() and (df.loc[overall, "analysis_id"].isin(df["analysis_id"])).all()
    keys = ["analysis_id", "studies", "subgroup_level"]
    assert df.groupby(keys, dropna=False)["primary"].sum().le(1).all()
    assert set(df["studies"]) == {"all", "review"}


def test_package_path_package_and_results_give_the_same_frame(results) -> None:
    from_results = evreg.review.results_frame(results)
    pd.testing.assert_frame_equal(evreg.review.results_frame(EXAMPLE), from_results)
    pd.testing.assert_frame_equal(
        evreg.review.results_frame(load_package(EXAMPLE / "datapackage.json")), from_results
    )


@pytest.mark.slow
def test_equals_the_built_sites_results_csv(results, tmp_path_factory) -> None:
    """The frame computed here is exactly what read_results reads from the built site."""
    site: Path = built_site("example", tmp_path_factory)
    pd.testing.assert_frame_equal(
        evreg.data.read_results(site),
        evreg.review.results_frame(results),
        check_exact=True,
    )
