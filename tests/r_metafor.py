"""Run R metafor for real (Rscript) and return its results as Python data.

One Rscript process per data set computes every model, test, leave-one-out, cumulative,
subgroup, Egger and trim-and-fill result for that data set and prints one JSON object; the
processes run in parallel and tests cache the output for the session (see
tests/test_stats_metafor.py). metafor is called with control=list(tol=1e-12,
threshold=1e-12, maxiter=1000) so that comparisons at relative 1e-6 are meaningful.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METHODS = ("FE", "DL", "REML", "PM", "ML", "SJ", "HE", "EB")
TESTS = ("z", "knha", "adhoc")


@dataclass(frozen=True)
class DataSet:
    """A metadat data set (R expression giving a data frame with yi, vi) and a grouping."""

    name: str
    expr: str
    group: str | None = None  # R expression over the data frame `d`, or None
    sensitivity_methods: tuple[str, ...] = METHODS  # methods for leave1out / cumul
    sensitivity_knha: bool = True  # also leave1out / cumul with test="knha" (DL, REML)


_ESC = "escalc(measure="
DATASETS: tuple[DataSet, ...] = (
    DataSet("bcg", _ESC + '"RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)', "d$alloc"),
    DataSet("hackshaw1998", "dat.hackshaw1998", "d$design"),
    DataSet(
        "normand1999",
        _ESC + '"MD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, '
        "data=dat.normand1999)",
        'ifelse(grepl("Orpington", d$source), "Orpington", "other")',
    ),
    DataSet("pritz1997", _ESC + '"PLO", xi=xi, ni=ni, data=dat.pritz1997)'),
    DataSet("li2007", _ESC + '"OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.li2007)'),
    DataSet("molloy2014", _ESC + '"ZCOR", ri=ri, ni=ni, data=dat.molloy2014)', "d$design"),
    DataSet(
        "curtis1998",
        _ESC + '"ROM", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, '
        "data=dat.curtis1998)",
        "d$fungrp",
        ("REML",),
        False,
    ),
    DataSet("bangertdrowns2004", "dat.bangertdrowns2004", "d$grade"),
    DataSet("raudenbush1985", "dat.raudenbush1985", "d$tester"),
    DataSet(
        "collins1985b",
        _ESC + '"OR", ai=pre.xti, n1i=pre.nti, ci=pre.xci, n2i=pre.nci, data=dat.collins1985b)',
    ),
    DataSet("linde2005", _ESC + '"RR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.linde2005)'),
    # tau2 = 0 cases (Q < k - 1)
    DataSet("hine1989", _ESC + '"RD", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.hine1989)'),
    DataSet(
        "yusuf1985",
        _ESC + '"PETO", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.yusuf1985)',
        "d$table",
        ("REML",),
        False,
    ),
    DataSet(
        "mcdaniel1994",
        _ESC + '"ZCOR", ri=ri, ni=ni, data=dat.mcdaniel1994)',
        "d$type",
        ("REML",),
        False,
    ),
    # small k
    DataSet("bcg_k2", _ESC + '"RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg[1:2, ])'),
    DataSet("bcg_k3", _ESC + '"RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg[1:3, ])'),
)

R_PRELUDE = r"""
suppressMessages({library(metafor); library(metadat)})
ctl <- list(tol=1e-12, threshold=1e-12, maxiter=1000)
tojson <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      body <- paste0('"', names(x), '":', vapply(x, tojson, ""), collapse=",")
      return(paste0("{", body, "}"))
    }
    return(paste0("[", paste0(vapply(x, tojson, ""), collapse=","), "]"))
  }
  if (is.character(x) || is.factor(x)) {
    v <- paste0('"', gsub('"', '\\\\"', as.character(x)), '"')
  } else if (is.logical(x)) {
    v <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else {
    x <- as.numeric(x)
    v <- ifelse(is.finite(x), sprintf("%.17g", x), "null")
  }
  if (length(v) == 1) v else paste0("[", paste0(v, collapse=","), "]")
}
fitinfo <- function(r) {
  out <- list(k=r$k, est=c(r$beta), se=r$se, zval=r$zval, pval=r$pval, ci_lb=r$ci.lb,
              ci_ub=r$ci.ub, tau2=r$tau2, QE=r$QE, QEp=r$QEp, I2=r$I2, H2=r$H2,
              weights=as.numeric(weights(r)))
  if (r$k >= 3 && r$method != "FE") {
    p <- predict(r, pi.type="riley")  # t with k-2 df: mu +/- t sqrt(se^2 + tau2)
    out$pi_lb <- p$pi.lb; out$pi_ub <- p$pi.ub
  }
  out
}
seqinfo <- function(s) list(est=s$estimate, se=s$se, zval=s$zval, pval=s$pval, ci_lb=s$ci.lb,
                            ci_ub=s$ci.ub, Q=s$Q, Qp=s$Qp, tau2=s$tau2, I2=s$I2, H2=s$H2)
fit <- function(yi, vi, m, t) rma(yi, vi, method=m, test=t, control=ctl)
"""

R_BODY = r"""
d <- d[!is.na(d$yi) & !is.na(d$vi), ]
yi <- as.numeric(d$yi); vi <- as.numeric(d$vi); k <- length(yi)
out <- list(k=k, yi=yi, vi=vi, fits=list(), l1o=list(), cumul=list(), qprofile=list(),
            trimfill=list(), subgroups=list(), common=list())
for (m in methods) for (t in tests) {
  r <- suppressWarnings(fit(yi, vi, m, t))
  out$fits[[paste(m, t)]] <- fitinfo(r)
  if (m %in% sens && (t == "z" || (sens_knha && m %in% c("DL", "REML")))) {
    out$l1o[[paste(m, t)]] <- seqinfo(suppressWarnings(leave1out(r)))
    out$cumul[[paste(m, t)]] <- seqinfo(suppressWarnings(cumul(r)))
  }
  if (t == "z" && m != "FE") {
    ci <- confint(r, control=list(tol=1e-12, maxiter=1000, tau2.max=1e7))$random
    out$qprofile[[m]] <- list(lb=ci["tau^2", "ci.lb"], ub=ci["tau^2", "ci.ub"])
  }
  if (t == "z" && k >= 10) {
    tf <- suppressWarnings(trimfill(r, control=ctl))
    out$trimfill[[m]] <- list(k0=tf$k0, se_k0=tf$se.k0, side=tf$side, est=c(tf$beta),
                              se=tf$se, ci_lb=tf$ci.lb, ci_ub=tf$ci.ub, tau2=tf$tau2,
                              filled=tf$yi[tf$fill])
  }
}
if (k >= 3) {
  eg <- regtest(rma(yi, vi, method="FE"), model="lm", predictor="sei")
  cf <- coef(summary(eg$fit))
  out$egger <- list(bias=cf["Xsei", "Estimate"], se=cf["Xsei", "Std. Error"], t=eg$zval,
                    p=eg$pval, df=eg$dfs, limit=c(eg$est))
}
if (!is.null(g)) {
  g <- as.character(g); g[is.na(g)] <- "NA"; levs <- unique(g); out$levels <- levs; out$groups <- g
  for (m in methods) for (t in c("z", "knha")) {
    per <- lapply(levs, function(l) fitinfo(suppressWarnings(fit(yi[g == l], vi[g == l], m, t))))
    names(per) <- levs
    est <- vapply(per, function(p) p$est, 0); se <- vapply(per, function(p) p$se, 0)
    qb <- rma(est, sei=se, method="FE")
    out$subgroups[[paste(m, t)]] <- list(levels=per, Qb=qb$QE, Qbp=qb$QEp)
  }
  gf <- factor(g, levels=levs)
  for (m in methods) {
    a <- suppressWarnings(rma(yi, vi, mods=~gf, method=m, control=ctl))
    b <- suppressWarnings(rma(yi, vi, mods=~gf - 1, method=m, control=ctl))
    out$common[[m]] <- list(tau2=a$tau2, QM=a$QM, QMp=a$QMp, est=c(b$beta), se=b$se)
  }
}
cat(tojson(out))
"""


def r_vector(values: tuple[str, ...]) -> str:
    return "c(" + ", ".join(f'"{v}"' for v in values) + ")"


def script_for(ds: DataSet) -> str:
    """The complete R script for one data set."""
    return "\n".join(
        [
            R_PRELUDE,
            f"d <- {ds.expr}",
            f"g <- {ds.group or 'NULL'}",
            "if (!is.null(g)) g <- g[!is.na(d$yi) & !is.na(d$vi)]",
            f"methods <- {r_vector(METHODS)}",
            f"tests <- {r_vector(TESTS)}",
            f"sens <- {r_vector(ds.sensitivity_methods)}",
            f"sens_knha <- {'TRUE' if ds.sensitivity_knha else 'FALSE'}",
            R_BODY,
        ]
    )


def run_r(script: str, timeout: float = 600) -> Any:
    """Run an R script with Rscript and parse the JSON it prints; errors show R's stderr."""
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(script)
        path = Path(fh.name)
    try:
        proc = subprocess.run(
            ["Rscript", "--vanilla", str(path)], capture_output=True, text=True, timeout=timeout
        )
    finally:
        path.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def metafor_results(datasets: tuple[DataSet, ...] = DATASETS) -> dict[str, Any]:
    """name -> metafor output, one Rscript process per data set, run in parallel."""
    workers = max(1, min(len(datasets), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outputs = list(pool.map(lambda ds: run_r(script_for(ds)), datasets))
    return {ds.name: out for ds, out in zip(datasets, outputs, strict=True)}
