#!/usr/bin/env Rscript
# Reference values for clusternet.spatial.explore and clusternet.spatial.models from spdep and
# spatialreg, on the Columbus crime data shipped with spdep (49 neighbourhoods; Anselin 1988).
#
# Regenerate (from the repository root):
#   Rscript tests/reference/spatial.R
# Writes tests/reference/fixtures/spatial_spdep.json: the neighbour list (1-based), the data,
# Moran's I and Geary's C (normality and randomisation) under row-standardised ("W") and binary
# ("B") weights, and ML SAR / SEM fits (spatialreg::lagsarlm / errorsarlm, method "eigen",
# analytical asymptotic standard errors). Tests never run R.
suppressPackageStartupMessages({
  library(spdep); library(spatialreg); library(jsonlite)
})
out_dir <- file.path("tests", "reference", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

data(oldcol, package = "spdep")  # COL.OLD (data) and COL.nb (queen contiguity)
x <- COL.OLD$CRIME
moran_geary <- function(style) {
  lw <- nb2listw(COL.nb, style = style)
  out <- list()
  for (rand in c(FALSE, TRUE)) {
    m <- moran.test(x, lw, randomisation = rand, alternative = "two.sided")
    g <- geary.test(x, lw, randomisation = rand, alternative = "two.sided")
    key <- if (rand) "rand" else "norm"
    out[[key]] <- list(I = unname(m$estimate[1]), EI = unname(m$estimate[2]), VI = unname(m$estimate[3]),
                       p_I = m$p.value, C = unname(g$estimate[1]), VC = unname(g$estimate[3]), p_C = g$p.value)
  }
  out
}

lw <- nb2listw(COL.nb, style = "W")
lag_fit <- lagsarlm(CRIME ~ INC + HOVAL, data = COL.OLD, listw = lw, method = "eigen")
err_fit <- errorsarlm(CRIME ~ INC + HOVAL, data = COL.OLD, listw = lw, method = "eigen")
sar <- list(coefficients = unname(coef(lag_fit)[-1]), names = names(coef(lag_fit))[-1],
            rho = unname(lag_fit$rho), rho_se = unname(lag_fit$rho.se),
            se = unname(sqrt(diag(lag_fit$resvar))[c("(Intercept)", "INC", "HOVAL")]),
            sigma2 = lag_fit$s2, loglik = as.numeric(logLik(lag_fit)))
sem <- list(coefficients = unname(coef(err_fit)[-1]), names = names(coef(err_fit))[-1],
            lambda = unname(err_fit$lambda), lambda_se = unname(err_fit$lambda.se),
            se = unname(sqrt(diag(err_fit$resvar))[c("(Intercept)", "INC", "HOVAL")]),
            sigma2 = err_fit$s2, loglik = as.numeric(logLik(err_fit)))
imp <- impacts(lag_fit, listw = lw)
out <- list(
  source = "spdep oldcol (COL.OLD, COL.nb)",
  neighbours = lapply(COL.nb, as.integer),
  crime = x, inc = COL.OLD$INC, hoval = COL.OLD$HOVAL,
  W = moran_geary("W"), B = moran_geary("B"),
  sar = sar, sem = sem,
  sar_impacts = list(direct = unname(imp$direct), indirect = unname(imp$indirect), total = unname(imp$total)),
  versions = list(spdep = as.character(packageVersion("spdep")),
                  spatialreg = as.character(packageVersion("spatialreg")), R = R.version.string)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(out_dir, "spatial_spdep.json"))
cat("wrote", file.path(out_dir, "spatial_spdep.json"), "\n")
