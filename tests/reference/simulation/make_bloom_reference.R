# Reference MDES of two-level cluster-randomised designs (Bloom 2006; PowerUp!) from
# PowerUpR's own code, for tests/simulation/test_mdes.py.
#
# PowerUpR was not installable from CRAN on the machine that made this file, so its R
# sources were taken from GitHub (metinbulus/PowerUpR, commit 5580f7e, DESCRIPTION
# version 1.1.0) and sourced:
#   git -C <mirror> show HEAD:R/<file>.R > <dir>/<file>.R   (every file of R/)
#   Rscript make_bloom_reference.R <dir> > bloom_mdes.csv
args <- commandArgs(trailingOnly = TRUE)
for (f in list.files(args[1], pattern = "[.]R$", full.names = TRUE)) try(source(f), silent = TRUE)
grid <- expand.grid(J = c(16, 40, 100), n = c(5, 25), rho2 = c(0, 0.05, 0.2), p = c(0.5, 0.3),
                    alpha = c(0.05, 0.01), power = c(0.8, 0.9))
grid$mdes <- NA_real_
for (i in seq_len(nrow(grid))) {
  g <- grid[i, ]
  out <- capture.output(r <- mdes.cra2(power = g$power, alpha = g$alpha, rho2 = g$rho2, p = g$p,
                                       n = g$n, J = g$J))
  grid$mdes[i] <- r$mdes[1]
}
cat(sprintf("# R %s, PowerUpR sources of commit 5580f7e (version 1.1.0)\n",
            paste(R.version$major, R.version$minor, sep = ".")))
write.csv(grid, stdout(), row.names = FALSE)
