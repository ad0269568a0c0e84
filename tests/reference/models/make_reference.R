# Reference values for tests/models: lavaan fits of simulated data sets.
# Run from this folder:  Rscript make_reference.R
# Writes <name>.csv (data) and <name>_lavaan.csv (estimates) per data set, and summary.csv.
# lavaan options match Mplus ML/MLR: observed information from the Hessian, x moments
# estimated (fixed.x = FALSE), FIML (missing = "ml"), cluster-robust MLR (cluster =).
suppressPackageStartupMessages(library(lavaan))
set.seed(20240611)

add_missing <- function(d, vars, share) {
  for (v in vars) d[[v]][runif(nrow(d)) < share] <- NA
  d
}

clustered <- function(sizes) rep(seq_along(sizes), sizes)

datasets <- list()

# 1. FIML, 30 unequal clusters, a binary and a day-scale covariate, 15 % missing everywhere.
sizes <- c(3, 5, 8, 50, 12, 20, 7, 4, 30, 16, 9, 25, 11, 6, 40, 14, 22, 10, 5, 18,
           27, 13, 8, 35, 19, 6, 24, 15, 10, 3)
cl <- clustered(sizes); n <- length(cl); u <- rnorm(30)[cl]
x1 <- rbinom(n, 1, 0.3 + 0.3 * (cl %% 3 == 0))
x2 <- rnorm(n) + 0.4 * u
x3 <- round(300 + 170 * rnorm(n) + 40 * x1)
y <- 0.5 + 0.8 * x1 - 0.6 * x2 + 0.002 * x3 + u + rnorm(n, sd = 1.5)
d <- add_missing(data.frame(team = cl, y, x1, x2, x3), c("y", "x1", "x2", "x3"), 0.15)
datasets$fiml_clusters <- list(data = d, y = "y", x = c("x1", "x2", "x3"), missing = "ml")

# 2. FIML with a single-observation cluster, 10-20 % missing.
sizes <- c(1, 12, 25, 8, 30, 17, 4, 22, 14, 19)
cl <- clustered(sizes); n <- length(cl); u <- rnorm(10, sd = 0.7)[cl]
x1 <- rnorm(n) + u; x2 <- rbinom(n, 1, 0.5)
y <- 1 + 0.5 * x1 + 0.3 * x2 + u + rnorm(n)
d <- data.frame(team = cl, y, x1, x2)
d <- add_missing(d, "y", 0.2); d <- add_missing(d, "x1", 0.1); d <- add_missing(d, "x2", 0.15)
d$y[1] <- 2.3; d$x1[1] <- 0.4; d$x2[1] <- 1  # keep the single-row cluster complete
datasets$fiml_single <- list(data = d, y = "y", x = c("x1", "x2"), missing = "ml")

# 3. The checklist design: 16 teams, 61 team-periods, Table 1 conditions, complete data.
tab1 <- list(c("c","c","c"), c("c","c","c"), c("c","c","c","c"), c("c","c","c","c"),
             c("c","c","c","c"), c("c","p","p","p"), c("c","p","p","p"), c("c","p","p","p"),
             c("c","p","p","p"), c("c","p","p","f"), c("c","p","f"), c("c","p","f","f"),
             c("c","p","f","f"), c("c","p","f","f"), c("c","p","f","f"), c("c","f","f","f"))
cond <- unlist(tab1); cl <- rep(seq_along(tab1), lengths(tab1)); u <- rnorm(16, sd = 8)[cl]
partial <- as.numeric(cond == "p"); full <- as.numeric(cond == "f")
y <- 46 + 11 * partial + 17 * full + u + rnorm(61, sd = 14)
datasets$checklist <- list(data = data.frame(team = cl, y, partial, full),
                           y = "y", x = c("partial", "full"), missing = "listwise")

# 4. The outcome model: 16 teams, clients, missing covariates and outcome, two empty rows.
sizes <- c(12, 40, 25, 8, 33, 18, 51, 27, 9, 36, 22, 15, 44, 30, 11, 19)
cl <- clustered(sizes); n <- length(cl)
team_cond <- rep(c("c", "p", "f"), length.out = 16)
ccl <- team_cond[cl]; ccl[runif(n) < 0.3 & ccl == "f"] <- "p"
partial <- as.numeric(ccl == "p"); full <- as.numeric(ccl == "f")
u <- rnorm(16, sd = 0.3)[cl]
sex <- rbinom(n, 1, 0.36); age <- round(pmin(pmax(rnorm(n, 10.8, 4.9), 0), 25), 1)
duration_days <- round(pmax(rnorm(n, 313, 174), 20))
pre_z <- rnorm(n, 1.7, 1.6)
post_z <- 0.3 + 0.5 * pre_z - 0.1 * partial - 0.15 * full + 0.1 * sex + 0.01 * age +
  0.0005 * duration_days + u + rnorm(n, sd = 1.3)
d <- data.frame(team = cl, post_z, partial, full, pre_z, sex, age, duration_days)
d <- add_missing(d, "post_z", 0.15); d <- add_missing(d, "pre_z", 0.1)
d <- add_missing(d, "sex", 0.05); d <- add_missing(d, "age", 0.1)
d <- add_missing(d, "duration_days", 0.12)
d[c(5, 100), -1] <- NA
xs <- c("partial", "full", "pre_z", "sex", "age", "duration_days")
datasets$outcome <- list(data = d, y = "post_z", x = xs, missing = "ml")
datasets$outcome_listwise <- list(data = d, y = "post_z", x = xs, missing = "listwise")

# 5. Complete data, continuous covariates, 20 clusters.
sizes <- c(5, 14, 9, 3, 20, 11, 7, 16, 8, 12, 6, 18, 10, 4, 13, 9, 15, 7, 2, 11)
cl <- clustered(sizes); n <- length(cl); u <- rnorm(20)[cl]
x1 <- rnorm(n) + u; x2 <- rnorm(n, 5, 2); x3 <- rexp(n)
y <- 2 - x1 + 0.3 * x2 + 0.5 * x3 + u + rnorm(n)
datasets$complete_clusters <- list(data = data.frame(team = cl, y, x1, x2, x3),
                                   y = "y", x = c("x1", "x2", "x3"), missing = "listwise")

# 7. FIML with a team whose rows are all empty (team 8). lavaan drops the empty rows but
#    still counts the team in the cluster correction G / (G - 1); Mplus leaves cases with
#    missing on all variables out before the analysis, and so does ldj-analysis: the test
#    compares the SEs up to that factor (nclusters below counts teams with data).
sizes <- c(5, 8, 12, 6, 9, 7, 10, 4, 11, 6)
cl <- clustered(sizes); n <- length(cl); u <- rnorm(10, sd = 0.8)[cl]
x1 <- rnorm(n) + 0.5 * u; x2 <- rbinom(n, 1, 0.4)
y <- 1 + 0.5 * x1 - 0.4 * x2 + u + rnorm(n)
d <- add_missing(data.frame(team = cl, y, x1, x2), c("y", "x1"), 0.1)
d[d$team == 8, c("y", "x1", "x2")] <- NA
datasets$empty_cluster <- list(data = d, y = "y", x = c("x1", "x2"), missing = "ml")

# lavaan's optimiser stops short of the optimum by up to ~1e-5 of a parameter; fit with
# nlminb (default and with tight tolerances) and with BFGS (tight tolerance) and keep the fit
# with the highest loglik.
fit_one <- function(spec, cluster = "team", estimator = "MLR") {
  model <- paste(spec$y, "~", paste(spec$x, collapse = " + "))
  args <- list(model = model, data = spec$data, estimator = estimator,
               fixed.x = FALSE, meanstructure = TRUE, information = "observed",
               observed.information = "hessian", missing = spec$missing)
  if (!is.null(cluster)) args$cluster <- cluster
  fits <- list(nlminb = do.call("sem", args),
               BFGS = do.call("sem", c(args, list(optim.method = "BFGS",
                                                  control = list(reltol = 1e-16, maxit = 1e5)))),
               nlminb_tight = do.call("sem", c(args, list(control = list(rel.tol = 1e-15,
                                                                         x.tol = 1e-12,
                                                                         eval.max = 1e4,
                                                                         iter.max = 1e4)))))
  fits <- Filter(function(f) lavInspect(f, "converged"), fits)
  ll <- sapply(fits, function(f) as.numeric(logLik(f)))
  fit <- fits[[which.max(ll)]]
  attr(fit, "optimizer") <- names(fits)[which.max(ll)]
  fit
}
estimates <- function(fit, name) {
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit, type = "std.all")
  out <- data.frame(dataset = name, lhs = pe$lhs, op = pe$op, rhs = pe$rhs,
                    est = pe$est, se = pe$se, z = pe$z, pvalue = pe$pvalue,
                    std_all = ss$est.std, std_se = ss$se, std_z = ss$z, std_pvalue = ss$pvalue)
  stopifnot(all(pe$lhs == ss$lhs & pe$op == ss$op & pe$rhs == ss$rhs))
  out
}
used_rows <- function(spec) {
  obs <- !is.na(spec$data[c(spec$y, spec$x)])
  if (spec$missing == "ml") rowSums(obs) > 0 else rowSums(!obs) == 0
}
summary_rows <- list()
for (name in names(datasets)) {
  spec <- datasets[[name]]
  write.csv(spec$data, paste0(name, ".csv"), row.names = FALSE, na = "")
  fit <- fit_one(spec)
  stopifnot(lavInspect(fit, "converged"))
  write.csv(estimates(fit, name), paste0(name, "_lavaan.csv"), row.names = FALSE)
  summary_rows[[name]] <- data.frame(
    dataset = name, y = spec$y, x = paste(spec$x, collapse = " "), missing = spec$missing,
    cluster = "team", nobs = lavInspect(fit, "nobs"),
    nclusters = length(unique(spec$data$team[used_rows(spec)])), loglik = as.numeric(logLik(fit)),
    optimizer = attr(fit, "optimizer"))
}

# 6. Mplus User's Guide example 3.1 (no clusters, ML): lavaan next to the real Mplus output.
ex <- read.table("mplus_ex3_1/ex3.1.dat",
                 col.names = c("y1", "x1", "x3"))
spec <- list(data = ex, y = "y1", x = c("x1", "x3"), missing = "listwise")
fit <- fit_one(spec, cluster = NULL, estimator = "ML")
write.csv(estimates(fit, "mplus_ex3_1"), "mplus_ex3_1_lavaan.csv", row.names = FALSE)
summary_rows$ex <- data.frame(dataset = "mplus_ex3_1", y = "y1", x = "x1 x3",
                              missing = "listwise", cluster = "", nobs = lavInspect(fit, "nobs"),
                              nclusters = NA, loglik = as.numeric(logLik(fit)),
                              optimizer = attr(fit, "optimizer"))

summ <- do.call(rbind, summary_rows)
summ$lavaan <- as.character(packageVersion("lavaan"))
summ$r <- paste(R.version$major, R.version$minor, sep = ".")
write.csv(summ, "summary.csv", row.names = FALSE)
