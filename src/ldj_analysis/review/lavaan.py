"""lavaan R scripts of the reviewer bundle, equivalent to the Mplus inputs and the pipeline.

Each script reads the model's Mplus data file and fits
``sem(y ~ x..., cluster = "team", estimator = "MLR", missing = "ml" | "listwise",
fixed.x = FALSE, meanstructure = TRUE, information = "observed",
observed.information = "hessian")``: the options with which lavaan matches the pipeline
(and Mplus MLR) to ~1e-7 (tests/reference/models/make_reference.R). nlminb runs with tight
tolerances, as its default stops up to ~1e-5 short of the optimum on some data. The script
prints lavaan's summary and writes the estimates and STDYX coefficients to
``<stem>_lavaan.csv``.
"""

from __future__ import annotations

from ldj_analysis.review.models import MISSING_FLAG, ReviewModel

LAVAAN_MISSING = {"fiml": "ml", "listwise": "listwise"}


def script_text(model: ReviewModel, data_file: str) -> str:
    """The R script that fits ``model`` with lavaan and writes ``<stem>_lavaan.csv``."""
    names = ", ".join(f'"{v}"' for v in model.variables)
    formula = f"{model.y} ~ {' + '.join(model.x)}"
    return f"""\
# ldj-analysis review bundle: {model.name}
# Reproduces results/models/{model.output}, rows with outcome "{model.outcome}"
# (estimate, se, z, p; beta, beta_se, beta_p = STDYX). Run in this folder:
#   Rscript {model.stem}.R
# Writes {model.stem}_lavaan.csv (parameterEstimates + standardizedSolution std.all).
suppressPackageStartupMessages(library(lavaan))

data <- read.table("{data_file}", header = FALSE, na.strings = "{MISSING_FLAG}",
                   col.names = c({names}))

fit <- sem("{formula}", data = data,
           cluster = "team", estimator = "MLR", missing = "{LAVAAN_MISSING[model.missing]}",
           fixed.x = FALSE, meanstructure = TRUE,
           information = "observed", observed.information = "hessian",
           control = list(rel.tol = 1e-15, x.tol = 1e-12, eval.max = 1e4, iter.max = 1e4))
stopifnot(lavInspect(fit, "converged"))
print(summary(fit, standardized = TRUE))

pe <- parameterEstimates(fit)
ss <- standardizedSolution(fit, type = "std.all")
stopifnot(all(pe$lhs == ss$lhs & pe$op == ss$op & pe$rhs == ss$rhs))
out <- data.frame(model = "{model.name}", lhs = pe$lhs, op = pe$op, rhs = pe$rhs,
                  est = pe$est, se = pe$se, z = pe$z, pvalue = pe$pvalue,
                  std_all = ss$est.std, std_se = ss$se, std_z = ss$z,
                  std_pvalue = ss$pvalue, nobs = lavInspect(fit, "nobs"),
                  loglik = as.numeric(logLik(fit)))
write.csv(out, "{model.stem}_lavaan.csv", row.names = FALSE)
"""
