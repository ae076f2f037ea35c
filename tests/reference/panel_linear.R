#!/usr/bin/env Rscript
# Reference values for clusternet.models.linear / covariance from plm, sandwich and lmtest.
#
# Regenerate (from the repository root):
#   Rscript tests/reference/panel_linear.R
# Writes tests/reference/fixtures/panel_linear_data_<dataset>.csv (the exact data the
# Python tests use; log-transformed columns are computed here so both sides see the same
# numbers) and tests/reference/fixtures/panel_linear.json (coefficients, covariances under
# every plm/sandwich convention, R², F and Hausman/Mundlak tests). Tests never run R.
suppressPackageStartupMessages({
  library(plm); library(sandwich); library(lmtest); library(jsonlite)
})
out_dir <- file.path("tests", "reference", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

data("Grunfeld", package = "plm")
data("Produc", package = "plm")
data("EmplUK", package = "plm")

grunfeld <- Grunfeld[order(Grunfeld$firm, Grunfeld$year), c("firm", "year", "inv", "value", "capital")]
produc <- data.frame(state = as.integer(Produc$state), year = Produc$year,
                     lgsp = log(Produc$gsp), lpcap = log(Produc$pcap), lpc = log(Produc$pc),
                     lemp = log(Produc$emp), unemp = Produc$unemp,
                     lhwy = log(Produc$hwy), lwater = log(Produc$water))
produc <- produc[order(produc$state, produc$year), ]
empl <- data.frame(firm = EmplUK$firm, year = EmplUK$year, lemp = log(EmplUK$emp),
                   lwage = log(EmplUK$wage), lcapital = log(EmplUK$capital),
                   loutput = log(EmplUK$output))
empl <- empl[order(empl$firm, empl$year), ]

# Round to the 15 significant digits write.csv keeps, so the CSV files hold exactly the
# numbers the reference fits used.
round15 <- function(df) { for (v in names(df)) if (is.double(df[[v]])) df[[v]] <- signif(df[[v]], 15); df }
grunfeld <- round15(grunfeld); produc <- round15(produc); empl <- round15(empl)

datasets <- list(
  grunfeld = list(data = grunfeld, id = "firm", y = "inv", x = c("value", "capital")),
  produc = list(data = produc, id = "state", y = "lgsp", x = c("lpcap", "lpc", "lemp", "unemp")),
  emplUK = list(data = empl, id = "firm", y = "lemp", x = c("lwage", "lcapital", "loutput"))
)

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))

covariances <- function(m) {
  list(
    unadjusted = mat(vcov(m)),
    white_hc0 = mat(vcovHC(m, method = "white1", type = "HC0")),
    white_hc1 = mat(vcovHC(m, method = "white1", type = "HC1")),
    cluster_entity_hc0 = mat(vcovHC(m, method = "arellano", type = "HC0", cluster = "group")),
    cluster_entity_hc1 = mat(vcovHC(m, method = "arellano", type = "HC1", cluster = "group")),
    cluster_entity_sss = mat(vcovHC(m, method = "arellano", type = "sss", cluster = "group")),
    cluster_time_sss = mat(vcovHC(m, method = "arellano", type = "sss", cluster = "time")),
    twoway_hc0 = mat(vcovDC(m, type = "HC0")),
    twoway_sss = mat(vcovDC(m, type = "sss")),
    dk_hc0 = mat(vcovSCC(m, type = "HC0")),
    dk_lag2_hc0 = mat(vcovSCC(m, type = "HC0", maxlag = 2)),
    dk_sss = mat(vcovSCC(m, type = "sss"))
  )
}

fit_case <- function(ds, model, effect) {
  d <- pdata.frame(ds$data, index = c(ds$id, "year"))
  f <- as.formula(paste(ds$y, "~", paste(ds$x, collapse = " + ")))
  args <- list(f, data = d, model = model)
  if (model %in% c("within", "random")) args$effect <- effect
  if (model == "random") args$random.method <- "swar"
  m <- do.call(plm, args)
  s <- summary(m)
  fs <- s$fstatistic
  out <- list(
    model = model, effect = effect,
    names = names(coef(m)), coefficients = unname(as.numeric(coef(m))),
    nobs = nobs(m), df_resid = df.residual(m),
    r2 = unname(r.squared(m)), adj_r2 = unname(r.squared(m, dfcor = TRUE)),
    rss = sum(residuals(m)^2),
    f_stat = unname(fs$statistic), f_df = unname(as.numeric(fs$parameter)),
    f_pvalue = unname(fs$p.value),
    vcov = covariances(m),
    wald_cluster_entity_sss = {
      w <- pwaldtest(m, test = "F", vcov = function(x) vcovHC(x, type = "sss", cluster = "group"))
      list(statistic = unname(w$statistic), df = unname(as.numeric(w$parameter)), p_value = unname(w$p.value))
    }
  )
  if (model == "random") {
    ec <- ercomp(m)
    out$sigma2_idios <- unname(ec$sigma2[["idios"]])
    out$sigma2_id <- unname(ec$sigma2[["id"]])
    # theta per entity (one value for a balanced panel)
    th <- as.numeric(ec$theta)
    out$theta <- if (length(th) == 1L) th else unname(as.numeric(tapply(th, index(m)[[1L]], function(v) v[1L])))
  }
  # Stata-style R² of xtreg: corr² of fitted linear index with y (overall) and of the
  # entity means (between); computed from the slope coefficients and the raw data.
  slopes <- coef(m)[ds$x[ds$x %in% names(coef(m))]]
  X <- as.matrix(ds$data[, names(slopes), drop = FALSE])
  xb <- as.numeric(X %*% slopes)
  y <- ds$data[[ds$y]]
  g <- ds$data[[ds$id]]
  out$r2_overall <- cor(xb, y)^2
  out$r2_between <- cor(tapply(xb, g, mean), tapply(y, g, mean))^2
  out
}

cases <- list()
for (nm in names(datasets)) {
  ds <- datasets[[nm]]
  write.csv(ds$data, file.path(out_dir, paste0("panel_linear_data_", nm, ".csv")), row.names = FALSE)
  cases[[paste0(nm, "_pooled")]] <- fit_case(ds, "pooling", "individual")
  cases[[paste0(nm, "_fe")]] <- fit_case(ds, "within", "individual")
  cases[[paste0(nm, "_fe_time")]] <- fit_case(ds, "within", "time")
  cases[[paste0(nm, "_twfe")]] <- fit_case(ds, "within", "twoways")
  cases[[paste0(nm, "_re")]] <- fit_case(ds, "random", "individual")
  cases[[paste0(nm, "_fd")]] <- fit_case(ds, "fd", "individual")
}

# Hausman: classic (phtest on within vs random) and the regression-based form with a
# cluster-robust covariance (phtest method = "aux", Wooldridge 2010, eq. 10.88).
hausman <- list()
for (nm in names(datasets)) {
  ds <- datasets[[nm]]
  d <- pdata.frame(ds$data, index = c(ds$id, "year"))
  f <- as.formula(paste(ds$y, "~", paste(ds$x, collapse = " + ")))
  fe <- plm(f, data = d, model = "within")
  re <- plm(f, data = d, model = "random", random.method = "swar")
  h <- phtest(fe, re)
  ha <- phtest(f, data = d, method = "aux", vcov = function(x) vcovHC(x, method = "arellano", type = "HC0"))
  ha_sss <- phtest(f, data = d, method = "aux", vcov = function(x) vcovHC(x, method = "arellano", type = "sss"))
  ha_plain <- phtest(f, data = d, method = "aux")
  # Mundlak: pooled OLS of y on X and the entity means of X; Wald test that the
  # coefficients on the means are zero, cluster-robust by entity (sandwich::vcovCL).
  dd <- ds$data
  for (v in ds$x) dd[[paste0("mean_", v)]] <- ave(dd[[v]], dd[[ds$id]])
  fm <- as.formula(paste(ds$y, "~", paste(c(ds$x, paste0("mean_", ds$x)), collapse = " + ")))
  lmm <- lm(fm, data = dd)
  vcl <- vcovCL(lmm, cluster = dd[[ds$id]], type = "HC1")
  idx <- paste0("mean_", ds$x)
  b <- coef(lmm)[idx]
  wald <- as.numeric(t(b) %*% solve(vcl[idx, idx]) %*% b)
  hausman[[nm]] <- list(
    classic = list(statistic = unname(h$statistic), df = unname(as.numeric(h$parameter)), p_value = unname(h$p.value)),
    aux_cluster_hc0 = list(statistic = unname(ha$statistic), df = unname(as.numeric(ha$parameter)), p_value = unname(ha$p.value)),
    aux_cluster_sss = list(statistic = unname(ha_sss$statistic), df = unname(as.numeric(ha_sss$parameter)), p_value = unname(ha_sss$p.value)),
    aux_unadjusted = list(statistic = unname(ha_plain$statistic), df = unname(as.numeric(ha_plain$parameter)), p_value = unname(ha_plain$p.value)),
    mundlak = list(names = names(coef(lmm)), coefficients = unname(as.numeric(coef(lmm))),
                   vcov_cluster_hc1 = mat(vcl), wald_chi2 = wald, df = length(idx),
                   p_value = pchisq(wald, length(idx), lower.tail = FALSE))
  )
}

meta <- list(plm = as.character(packageVersion("plm")), sandwich = as.character(packageVersion("sandwich")),
             lmtest = as.character(packageVersion("lmtest")), R = R.version.string)
write_json(list(meta = meta, cases = cases, hausman = hausman),
           file.path(out_dir, "panel_linear.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", file.path(out_dir, "panel_linear.json"), "\n")

# ---------------------------------------------------------------------------
# IV / 2SLS with entity fixed effects (plm within IV) on Produc: lpcap endogenous,
# instrumented by lhwy (just identified) or lhwy + lwater (over-identified).
# Diagnostics are computed here from their definitions with plm/sandwich building
# blocks (within transformation, vcovHC), independently of the Python code.
d <- pdata.frame(produc, index = c("state", "year"))
exog <- c("lpc", "lemp", "unemp")
iv_cases <- list()
for (ivset in list(c("lhwy"), c("lhwy", "lwater"))) {
  key <- paste0("produc_fe_iv_", paste(ivset, collapse = "_"))
  f <- as.formula(paste("lgsp ~ lpcap +", paste(exog, collapse = " + "), "|",
                        paste(c(exog, ivset), collapse = " + ")))
  m <- plm(f, data = d, model = "within")
  # first stage: within regression of the endogenous regressor on all instruments
  f1 <- as.formula(paste("lpcap ~", paste(c(exog, ivset), collapse = " + ")))
  m1 <- plm(f1, data = d, model = "within")
  wald_excl <- function(model, V, names) {
    b <- coef(model)[names]
    as.numeric(t(b) %*% solve(V[names, names, drop = FALSE]) %*% b)
  }
  fs_unadj <- wald_excl(m1, vcov(m1), ivset) / length(ivset)
  fs_sss <- wald_excl(m1, vcovHC(m1, method = "arellano", type = "sss"), ivset) / length(ivset)
  fs_hc0 <- wald_excl(m1, vcovHC(m1, method = "arellano", type = "HC0"), ivset) / length(ivset)
  # Hansen J / Sargan from within-transformed matrices
  W <- function(v) as.numeric(Within(d[[v]]))
  y <- W("lgsp"); X <- cbind(W("lpcap"), sapply(exog, W)); Z <- cbind(sapply(c(exog, ivset), W))
  b2 <- solve(t(X) %*% Z %*% solve(crossprod(Z)) %*% t(Z) %*% X, t(X) %*% Z %*% solve(crossprod(Z)) %*% t(Z) %*% y)
  u <- as.numeric(y - X %*% b2)
  g <- as.integer(d$state)
  Zu <- rowsum(Z * u, g)
  S <- crossprod(Zu)
  Wt <- solve(S)
  bg <- solve(t(X) %*% Z %*% Wt %*% t(Z) %*% X, t(X) %*% Z %*% Wt %*% t(Z) %*% y)
  ug <- as.numeric(y - X %*% bg)
  gz <- t(Z) %*% ug
  hansen_j <- as.numeric(t(gz) %*% Wt %*% gz)
  PZu <- Z %*% solve(crossprod(Z), t(Z) %*% u)
  sargan <- length(u) * sum(u * PZu) / sum(u^2)
  # Anderson-Rubin: within regression of lgsp - b0 lpcap on all instruments,
  # Wald F of the excluded instruments (cluster-robust sss), at a few b0
  b0s <- c(-0.5, -0.2, 0, 0.1, 0.3)
  ar <- sapply(b0s, function(b0) {
    dd <- d; dd$yb <- dd$lgsp - b0 * dd$lpcap
    fa <- as.formula(paste("yb ~", paste(c(exog, ivset), collapse = " + ")))
    ma <- plm(fa, data = dd, model = "within")
    wald_excl(ma, vcovHC(ma, method = "arellano", type = "sss"), ivset) / length(ivset)
  })
  iv_cases[[key]] <- list(
    instruments = ivset, exog = exog, endogenous = "lpcap",
    names = names(coef(m)), coefficients = unname(as.numeric(coef(m))), df_resid = df.residual(m),
    vcov = list(unadjusted = mat(vcov(m)),
                cluster_entity_hc0 = mat(vcovHC(m, method = "arellano", type = "HC0")),
                cluster_entity_sss = mat(vcovHC(m, method = "arellano", type = "sss")),
                white_hc0 = mat(vcovHC(m, method = "white1", type = "HC0"))),
    first_stage_f_unadjusted = fs_unadj, first_stage_f_cluster_sss = fs_sss,
    first_stage_wald_cluster_hc0 = fs_hc0 * length(ivset),
    first_stage_df_resid = df.residual(m1),
    hansen_j_cluster = hansen_j, sargan = sargan, overid_df = length(ivset) - 1L,
    ar_b0 = b0s, ar_f_cluster_sss = ar
  )
  if (length(ivset) == 1L) {
    # AR confidence set (95 %) with the cluster-robust F against F(1, G - 1): endpoints by uniroot
    crit <- qf(0.95, 1, length(unique(g)) - 1)
    arf <- function(b0) {
      dd <- d; dd$yb <- dd$lgsp - b0 * dd$lpcap
      ma <- plm(as.formula(paste("yb ~", paste(c(exog, ivset), collapse = " + "))), data = dd, model = "within")
      wald_excl(ma, vcovHC(ma, method = "arellano", type = "sss"), ivset) - crit
    }
    bhat <- coef(m)[["lpcap"]]
    lo <- uniroot(arf, c(bhat - 5, bhat), tol = 1e-12)$root
    hi <- uniroot(arf, c(bhat, bhat + 5), tol = 1e-12)$root
    iv_cases[[key]]$ar_interval_cluster_sss <- c(lo, hi)
  }
}
# Two endogenous regressors (lpcap, lemp), instruments lhwy, lwater, lhwy^2 (column lhwy_sq =
# lhwy^2 computed from the CSV's lhwy on both sides): Cragg-Donald F from its definition,
# mineig[(X2'M_Z X2 / (n - N - L))^{-1} X2'P_{Z2} X2] / L2 with the exogenous regressors
# partialled out, after the within transformation.
d$lhwy_sq <- d$lhwy^2
W <- function(v) as.numeric(Within(d[[v]]))
exog2 <- c("lpc", "unemp")
X1 <- sapply(exog2, W)
M1 <- function(v) as.numeric(v - X1 %*% solve(crossprod(X1), crossprod(X1, v)))
X2 <- cbind(M1(W("lpcap")), M1(W("lemp")))
Z2 <- cbind(M1(W("lhwy")), M1(W("lwater")), M1(W("lhwy_sq")))
fitted <- Z2 %*% solve(crossprod(Z2), crossprod(Z2, X2))
n_fe <- nrow(X2) - length(unique(d$state)) - (length(exog2) + ncol(Z2))
sigma <- crossprod(X2 - fitted) / n_fe
cd <- min(Re(eigen(solve(sigma) %*% crossprod(X2, fitted))$values)) / ncol(Z2)
iv_cases[["produc_fe_iv_two_endogenous"]] <- list(
  endogenous = c("lpcap", "lemp"), exog = exog2, instruments = c("lhwy", "lwater", "lhwy_sq"),
  cragg_donald_f = cd)

write_json(list(meta = meta, cases = iv_cases), file.path(out_dir, "panel_linear_iv.json"),
           digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", file.path(out_dir, "panel_linear_iv.json"), "\n")
