# Independent Monte Carlo of the team-period design for tests/simulation/test_r_reference.py:
# rejection rates (and mean SEs) of the Mplus-style CR1 z-test and the CR2 Satterthwaite
# t-test without any condition effect, by R's own RNG and lm + sandwich + clubSandwich.
#
# Run from this folder:  Rscript make_team_period_reference.R [replications]
# Writes team_period_design.csv (the design: Table 1's 16 teams, 61 team-periods, one
# observation per team-period; half-year = period), team_period_reference.csv and
# team_period_versions.csv.
#
# Data: y = u_team + e, u ~ N(0, ICC), e ~ N(0, 1 - ICC) (docs/simulation.md), no effect.
# Specs: study (y ~ partial + full) and half_year (+ half-year dummies), clusters = teams.
# Methods, per coefficient partial and full:
#   mplus: sandwich::vcovCL(fit, cluster = team, type = "HC0", cadjust = TRUE), i.e. the
#          CR1 sandwich with the factor G/(G-1) only (Mplus / lavaan MLR), z-test (normal p);
#   CR2:   clubSandwich::coef_test(fit, vcov = vcovCR(fit, cluster = team, type = "CR2"),
#          test = "Satterthwaite").
# Per (spec, ICC, term, method): replications, rejections at alpha .05, rate and its Monte
# Carlo SE sqrt(rate (1 - rate) / R), mean and SD of the SE (MC SE of the mean SE = SD /
# sqrt(R)), and the Satterthwaite df (constant: X is fixed).
suppressPackageStartupMessages(library(sandwich))
suppressPackageStartupMessages(library(clubSandwich))

args <- commandArgs(trailingOnly = TRUE)
reps <- if (length(args)) as.integer(args[1]) else 60000L
seed <- 20261205L
set.seed(seed)
alpha <- 0.05
iccs <- c(0, 0.3)

# Table 1 (docs/study.md section 1): condition per half-year period of each team.
tab1 <- list(c("c","c","c"), c("c","c","c"), c("c","c","c","c"), c("c","c","c","c"),
             c("c","c","c","c"), c("c","p","p","p"), c("c","p","p","p"), c("c","p","p","p"),
             c("c","p","p","p"), c("c","p","p","f"), c("c","p","f"), c("c","p","f","f"),
             c("c","p","f","f"), c("c","p","f","f"), c("c","p","f","f"), c("c","f","f","f"))
codes <- c(c = "control", p = "partial", f = "full")
team <- rep(seq_along(tab1), lengths(tab1))
period <- unlist(lapply(lengths(tab1), seq_len))
condition <- unname(codes[unlist(tab1)])
design <- data.frame(team = team, period = period, condition = condition)
write.csv(design, "team_period_design.csv", row.names = FALSE, quote = FALSE)

partial <- as.numeric(condition == "partial")
full <- as.numeric(condition == "full")
halfyear <- factor(period)
n <- length(team)
G <- length(unique(team))
terms <- c("partial", "full")
specs <- list(study = y ~ partial + full, half_year = y ~ partial + full + halfyear)

one_fit <- function(y, formula) {
  data <- data.frame(y = y, partial = partial, full = full, halfyear = halfyear, team = team)
  fit <- lm(formula, data = data)
  b <- coef(fit)[terms]
  se1 <- sqrt(diag(vcovCL(fit, cluster = data$team, type = "HC0", cadjust = TRUE))[terms])
  ct <- coef_test(fit, vcov = vcovCR(fit, cluster = data$team, type = "CR2"),
                  test = "Satterthwaite")
  ct <- ct[match(terms, ct$Coef), ]
  rbind(
    data.frame(method = "mplus", term = terms, se = se1, df = Inf,
               p = 2 * pnorm(-abs(b / se1))),
    data.frame(method = "CR2", term = terms, se = ct$SE, df = ct$df_Satt, p = ct$p_Satt)
  )
}

out <- list()
for (spec in names(specs)) {
  for (icc in iccs) {
    rows <- vector("list", reps)
    for (r in seq_len(reps)) {
      y <- rnorm(G, sd = sqrt(icc))[team] + rnorm(n, sd = sqrt(1 - icc))
      rows[[r]] <- one_fit(y, specs[[spec]])
    }
    all <- do.call(rbind, rows)
    for (m in c("mplus", "CR2")) for (t in terms) {
      s <- all[all$method == m & all$term == t, ]
      k <- sum(s$p < alpha)
      rate <- k / reps
      out[[length(out) + 1]] <- data.frame(
        spec = spec, icc = icc, term = t, method = m, replications = reps, rejections = k,
        rate = rate, mc_se = sqrt(rate * (1 - rate) / reps), mean_se = mean(s$se),
        sd_se = sd(s$se), df = s$df[1]
      )
    }
    message(sprintf("%s ICC %.2f done (%s)", spec, icc, format(Sys.time())))
  }
}
ref <- do.call(rbind, out)
write.csv(ref, "team_period_reference.csv", row.names = FALSE, quote = FALSE)
versions <- data.frame(
  component = c("R", "sandwich", "clubSandwich", "seed", "replications", "alpha"),
  version = c(R.version.string, as.character(packageVersion("sandwich")),
              as.character(packageVersion("clubSandwich")), seed, reps, alpha)
)
write.csv(versions, "team_period_versions.csv", row.names = FALSE, quote = TRUE)
