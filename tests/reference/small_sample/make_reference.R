# Reference values for tests/models/test_small_sample_reference.py: clubSandwich CR2 and CR3
# with Satterthwaite df for OLS (lm) on simulated data sets.
# Run from this folder:  Rscript make_reference.R
# Writes <name>.csv per data set (column team = cluster, y = outcome, every other column a
# regressor; the model is lm(y ~ all other columns) with an intercept), clubsandwich.csv
# (coef_test(fit, vcov = vcovCR(fit, cluster = team, type = CR2 | CR3), test =
# "Satterthwaite") for every coefficient, or the error clubSandwich raised), sandwich_cr1.csv
# (sandwich::vcovCL(fit, cluster = team, type = "HC0", cadjust = TRUE): CR1 with G/(G-1)
# only, the mplus method) and versions.csv.
# Also icc.csv: nlme::lme(y ~ 1, random = ~ 1 | team, method = "REML") variance components of
# y in every data set plus balanced.csv (10 teams of 6) and no_between.csv (team means equal).
suppressPackageStartupMessages(library(clubSandwich))
suppressPackageStartupMessages(library(nlme))
set.seed(20261130)

clustered <- function(sizes) rep(seq_along(sizes), sizes)
datasets <- list()

# 1. The checklist design: 16 teams, 61 team-periods, Table 1 conditions as two dummies.
tab1 <- list(c("c","c","c"), c("c","c","c"), c("c","c","c","c"), c("c","c","c","c"),
             c("c","c","c","c"), c("c","p","p","p"), c("c","p","p","p"), c("c","p","p","p"),
             c("c","p","p","p"), c("c","p","p","f"), c("c","p","f"), c("c","p","f","f"),
             c("c","p","f","f"), c("c","p","f","f"), c("c","p","f","f"), c("c","f","f","f"))
cond <- unlist(tab1); cl <- rep(seq_along(tab1), lengths(tab1))
period <- unlist(lapply(lengths(tab1), seq_len))
u <- rnorm(16, sd = 8)[cl]
partial <- as.numeric(cond == "p"); full <- as.numeric(cond == "f")
y <- 46 + 11 * partial + 17 * full + 2 * period + u + rnorm(61, sd = 14)
datasets$checklist <- data.frame(team = cl, y, partial, full)

# 2. The same design with team fixed effects and period dummies (I - H_gg singular: CR2 uses
#    the generalised inverse square root, CR3 is undefined).
fe <- data.frame(team = cl, y, partial, full)
for (p in 2:4) fe[[paste0("period", p)]] <- as.numeric(period == p)
for (t in 2:16) fe[[paste0("team", t)]] <- as.numeric(cl == t)
datasets$checklist_fe <- fe

# 3. The outcome model: 16 teams, 700 clients, complete covariates.
sizes <- c(18, 70, 44, 12, 58, 31, 90, 47, 15, 63, 38, 26, 77, 52, 20, 39)
cl <- clustered(sizes); n <- length(cl)
team_cond <- rep(c("c", "p", "f"), length.out = 16)
ccl <- team_cond[cl]; ccl[runif(n) < 0.3 & ccl == "f"] <- "p"
partial <- as.numeric(ccl == "p"); full <- as.numeric(ccl == "f")
u <- rnorm(16, sd = 0.3)[cl]
sex <- rbinom(n, 1, 0.36); age <- round(pmin(pmax(rnorm(n, 10.8, 4.9), 0), 25), 1)
duration_days <- round(pmax(rnorm(n, 313, 174), 20))
pre_z <- rnorm(n, 1.7, 1.6)
y <- 0.3 + 0.5 * pre_z - 0.1 * partial - 0.15 * full + 0.1 * sex + 0.01 * age +
  0.0005 * duration_days + u + rnorm(n, sd = 1.3)
datasets$outcome <- data.frame(team = cl, y, partial, full, pre_z, sex, age, duration_days)

# 4. Unbalanced clusters (1 to 55 rows, one cluster of a single row), a cluster-level dummy.
sizes <- c(1, 4, 30, 9, 2, 55, 14, 6, 21, 11, 3, 17)
cl <- clustered(sizes); n <- length(cl); u <- rnorm(12)[cl]
x1 <- rnorm(n) + 0.5 * u; x2 <- as.numeric(c(0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0)[cl])
x3 <- rexp(n)
y <- 1 + 0.4 * x1 + 0.6 * x2 - 0.3 * x3 + u + rnorm(n)
datasets$unbalanced <- data.frame(team = cl, y, x1, x2, x3)

# 5. Eight teams (the wild bootstrap's smallest enumeration case in the tests).
sizes <- c(6, 3, 9, 4, 7, 5, 8, 4)
cl <- clustered(sizes); n <- length(cl); u <- rnorm(8, sd = 0.5)[cl]
treat <- as.numeric(c(0, 0, 0, 1, 1, 1, 1, 0)[cl]); x <- rnorm(n)
y <- 2 + 0.5 * treat + 0.8 * x + u + rnorm(n)
datasets$eight <- data.frame(team = cl, y, treat, x)

rows <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  write.csv(d, paste0(name, ".csv"), row.names = FALSE)
  fit <- lm(y ~ ., data = d[setdiff(names(d), "team")])
  stopifnot(!anyNA(coef(fit)))
  for (type in c("CR2", "CR3")) {
    res <- tryCatch({
      vc <- vcovCR(fit, cluster = d$team, type = type)
      ct <- coef_test(fit, vcov = vc, test = "Satterthwaite")
      data.frame(dataset = name, type = type, term = ct$Coef, estimate = ct$beta,
                 se = ct$SE, tstat = ct$tstat, df = ct$df_Satt, p = ct$p_Satt, error = "")
    }, error = function(e) {
      data.frame(dataset = name, type = type, term = NA, estimate = NA, se = NA, tstat = NA,
                 df = NA, p = NA, error = conditionMessage(e))
    })
    rows[[length(rows) + 1]] <- res
  }
}
out <- do.call(rbind, rows)

# The mplus method: CR1 with G/(G-1) only = sandwich::vcovCL(type = "HC0", cadjust = TRUE).
cr1 <- do.call(rbind, lapply(names(datasets), function(name) {
  d <- datasets[[name]]
  fit <- lm(y ~ ., data = d[setdiff(names(d), "team")])
  se <- sqrt(diag(sandwich::vcovCL(fit, cluster = d$team, type = "HC0", cadjust = TRUE)))
  data.frame(dataset = name, term = sub("(Intercept)", "intercept", names(se), fixed = TRUE),
             estimate = coef(fit), se = se)
}))
write.csv(cr1, "sandwich_cr1.csv", row.names = FALSE)
out$term[out$term == "(Intercept)"] <- "intercept"
write.csv(out, "clubsandwich.csv", row.names = FALSE)
# Variance components (random-intercept model, REML) for models/icc.py.
cl <- rep(1:10, each = 6); y <- 5 + rnorm(10, sd = 1.5)[cl] + rnorm(60, sd = 2)
balanced <- data.frame(team = cl, y)
write.csv(balanced, "balanced.csv", row.names = FALSE)
cl <- clustered(c(3, 7, 5, 4, 9, 2)); y <- rnorm(length(cl))
y <- y - ave(y, cl) + 10  # every team mean 10: no between-team variance
no_between <- data.frame(team = cl, y)
write.csv(no_between, "no_between.csv", row.names = FALSE)
icc_sets <- c(datasets[c("checklist", "outcome", "unbalanced")],
              list(balanced = balanced, no_between = no_between))
icc <- do.call(rbind, lapply(names(icc_sets), function(name) {
  d <- icc_sets[[name]]
  fit <- lme(y ~ 1, random = ~ 1 | team, data = d, method = "REML")
  vc <- c(as.matrix(fit$modelStruct$reStruct[[1]])[1, 1], 1) * fit$sigma^2
  data.frame(dataset = name, between = vc[1], within = vc[2], n = nrow(d),
             n_clusters = length(unique(d$team)))
}))
write.csv(icc, "icc.csv", row.names = FALSE)

versions <- data.frame(
  software = c("R", "clubSandwich", "sandwich", "nlme"),
  version = c(paste(R.version$major, R.version$minor, sep = "."),
              as.character(packageVersion("clubSandwich")),
              as.character(packageVersion("sandwich")),
              as.character(packageVersion("nlme"))))
write.csv(versions, "versions.csv", row.names = FALSE)
