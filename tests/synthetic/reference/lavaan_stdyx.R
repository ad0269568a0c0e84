# Reference for ldj_analysis.synthetic.mplus_stats: lavaan MLR, cluster-robust, fixed.x=FALSE.
# Run: Rscript lavaan_stdyx.R  (reads stdyx_input.csv, writes stdyx_lavaan.csv)
library(lavaan)
d <- read.csv("stdyx_input.csv")
fit <- sem("y ~ partial + full", data = d, estimator = "MLR", cluster = "team",
           fixed.x = FALSE, information = "observed", meanstructure = TRUE)
pe <- parameterEstimates(fit)
ss <- standardizedSolution(fit, type = "std.all")
pe <- pe[pe$op == "~", c("rhs", "est", "se", "pvalue")]
ss <- ss[ss$op == "~", c("rhs", "est.std", "se", "pvalue")]
names(ss) <- c("rhs", "beta", "beta_se", "beta_p")
out <- merge(pe, ss, by = "rhs")
write.csv(out, "stdyx_lavaan.csv", row.names = FALSE)
print(out, digits = 10)
