#!/usr/bin/env Rscript
# Reference values for clusternet.models.gmm: plm::pgmm on EmplUK (Arellano & Bond 1991 employment
# equations; Blundell & Bond 1998), exported with the data to JSON fixtures read by
# tests/models/test_gmm_reference.py.  Run from the repository root:
#     Rscript tests/reference/panel_gmm.R
# Requires R packages plm (>= 2.6) and jsonlite.
suppressPackageStartupMessages({
  library(plm)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference", "fixtures")
data("EmplUK", package = "plm")

write_fixture <- function(obj, name) {
  path <- file.path(out_dir, name)
  writeLines(toJSON(obj, digits = NA, auto_unbox = TRUE, pretty = TRUE), path)
  message("wrote ", path)
}

emp <- EmplUK[, c("firm", "year", "emp", "wage", "capital", "output")]
write_fixture(list(source = paste("plm", packageVersion("plm"), "data(EmplUK)"),
                   columns = as.list(emp)), "panel_gmm_emplUK_data.json")

# Classical (homoskedastic) one-step Sargan of difference GMM, computed by hand from the
# pgmm object: S = z' (sum_i Z_i' H Z_i)^{-1} z / sigma2, z = sum_i Z_i' e_i (one-step residuals),
# H = D D' (2 on the diagonal, -1 next to it), sigma2 = e'e / (2 (n - k)).
hand_sargan_difference <- function(fit) {
  W <- fit$W
  e <- fit$residuals
  T1 <- NROW(fit$model[[1]])
  H <- tcrossprod(diff(diag(1, T1 + 1)))
  z <- Reduce("+", mapply(crossprod, W, e, SIMPLIFY = FALSE))
  S <- Reduce("+", lapply(W, function(w) t(w) %*% H %*% w))
  used <- sum(vapply(fit$model, function(m) sum(rowSums(abs(m)) > 0), 0))
  k <- length(fit$coefficients)
  sigma2 <- sum(unlist(e)^2) / (2 * (used - k))
  stat <- as.numeric(t(z) %*% solve(S, z)) / sigma2
  df <- ncol(W[[1]]) - k
  list(statistic = stat, df = df, p_value = pchisq(stat, df, lower.tail = FALSE),
       sigma2 = sigma2, nobs = used)
}

case <- function(id, fit, description) {
  s <- summary(fit, robust = TRUE, time.dummies = TRUE)
  s_nr <- summary(fit, robust = FALSE, time.dummies = TRUE)
  b <- coef(fit)
  res <- list(
    id = id,
    description = description,
    call = paste(deparse(fit$call), collapse = " "),
    names = names(b),
    coefficients = unname(b),
    vcov = unname(vcov(fit)),
    vcov_robust = unname(vcovHC(fit)),
    se_robust = unname(s$coefficients[, 2]),
    n_instruments = ncol(fit$W[[1]]),
    nobs_used = sum(vapply(fit$model, function(m) sum(rowSums(abs(m)) > 0), 0)),
    n_entities = length(fit$W),
    hansen = list(statistic = unname(s$sargan$statistic), df = unname(s$sargan$parameter),
                  p_value = unname(s$sargan$p.value)),
    ar1 = list(statistic = unname(s$m1$statistic), p_value = unname(s$m1$p.value)),
    ar2 = list(statistic = unname(s$m2$statistic), p_value = unname(s$m2$p.value)),
    ar1_nonrobust = list(statistic = unname(s_nr$m1$statistic)),
    ar2_nonrobust = list(statistic = unname(s_nr$m2$statistic)),
    wald_coef = list(statistic = unname(s$wald.coef$statistic), df = unname(s$wald.coef$parameter))
  )
  if (!is.null(s$wald.td)) {
    res$wald_time <- list(statistic = unname(s$wald.td$statistic), df = unname(s$wald.td$parameter))
  }
  if (is.list(fit$coefficients)) res$coefficients_onestep <- unname(fit$coefficients[[1]])
  if (fit$args$transformation == "d" && fit$args$model == "onestep") {
    res$sargan <- hand_sargan_difference(fit)
  }
  res
}

cases <- list()

# Arellano & Bond (1991), table 4, column b (plm ?pgmm example): two-step difference GMM.
ab_formula <- log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) +
  lag(log(output), 0:1) | lag(log(emp), 2:99)
cases[[length(cases) + 1]] <- case("ab_twostep", pgmm(ab_formula, data = EmplUK,
  effect = "twoways", model = "twosteps"), "AB91 table 4 col b, two-step difference GMM")
cases[[length(cases) + 1]] <- case("ab_onestep", pgmm(ab_formula, data = EmplUK,
  effect = "twoways", model = "onestep"), "AB91 table 4, one-step difference GMM")

# Blundell & Bond (1998), table 4 (plm ?pgmm example): system GMM.
bb_formula <- log(emp) ~ lag(log(emp), 1) + lag(log(wage), 0:1) + lag(log(capital), 0:1) |
  lag(log(emp), 2:99) + lag(log(wage), 2:99) + lag(log(capital), 2:99)
cases[[length(cases) + 1]] <- case("bb_onestep", pgmm(bb_formula, data = EmplUK,
  effect = "twoways", model = "onestep", transformation = "ld"), "BB98 table 4, one-step system GMM")
cases[[length(cases) + 1]] <- case("bb_twostep", pgmm(bb_formula, data = EmplUK,
  effect = "twoways", model = "twosteps", transformation = "ld"), "BB98, two-step system GMM")

# Lag limits and collapsed instruments, individual effects only.
col_formula <- log(emp) ~ lag(log(emp), 1) + log(wage) + log(capital) |
  lag(log(emp), 2:4) + lag(log(wage), 2:4)
cases[[length(cases) + 1]] <- case("collapse_diff_twostep", pgmm(col_formula, data = EmplUK,
  effect = "individual", model = "twosteps", collapse = TRUE),
  "difference GMM, lags 2-4, collapsed, individual effects")
cases[[length(cases) + 1]] <- case("collapse_sys_twostep", pgmm(col_formula, data = EmplUK,
  effect = "individual", model = "twosteps", transformation = "ld", collapse = TRUE),
  "system GMM, lags 2-4, collapsed, individual effects (intercept)")

# Predetermined regressor (GMM-style lags from 1) next to an endogenous one.
pre_formula <- log(emp) ~ lag(log(emp), 1) + log(wage) + log(capital) |
  lag(log(emp), 2:99) + lag(log(wage), 1:99)
cases[[length(cases) + 1]] <- case("predetermined_diff_onestep", pgmm(pre_formula, data = EmplUK,
  effect = "twoways", model = "onestep"),
  "difference GMM, wage predetermined (lags 1+), capital exogenous (IV-style)")

write_fixture(list(source = paste("plm", packageVersion("plm"), R.version.string),
                   cases = cases), "panel_gmm_emplUK.json")
