#!/usr/bin/env Rscript
# Reference values for clusternet.indices, written from the published formulas in base R
# (independent of the Python code): entropy, CRITIC, PCA (first component and
# variance-weighted), equal weights, entropy-TOPSIS, a two-level hierarchical index,
# Dagum (1997) Gini decomposition by brute force, Theil decomposition, location
# quotients, and beta-convergence (lm + sandwich::vcovCL, HC1 cluster adjustment).
#
# Regenerate (from the repository root):
#   Rscript tests/reference/indices_reference.R
# Writes tests/reference/fixtures/indices_reference.json (inputs and results; the Python
# tests read the inputs from the same file, so both sides see the same numbers).
suppressPackageStartupMessages({library(jsonlite); library(sandwich)})
out_dir <- file.path("tests", "reference", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
set.seed(20240501)

# ---- a small panel: 12 regions x 4 years, 5 indicators (one cost indicator, one with ties)
n_reg <- 12; n_year <- 4
region <- rep(seq_len(n_reg), each = n_year)
year <- rep(2011:(2010 + n_year), times = n_reg)
n <- n_reg * n_year
base <- rnorm(n_reg)[region] + 0.3 * (year - 2011)
X <- cbind(
  a = round(exp(1 + 0.8 * base + rnorm(n, sd = 0.4)), 3),
  b = round(50 + 10 * base + rnorm(n, sd = 5), 2),
  c = round(runif(n, 0, 10)),                      # integer-valued: ties, zeros
  d = round(20 - 3 * base + rnorm(n, sd = 2), 2),  # cost indicator (direction -)
  e = round(exp(rnorm(n)), 4)
)
direction <- c(1, 1, 1, -1, 1)
group <- c("East", "Central", "West", "Northeast")[c(1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4)][region]

minmax <- function(x, dir) {
  r <- max(x) - min(x)
  if (dir > 0) (x - min(x)) / r else (max(x) - x) / r
}
Z <- sapply(seq_len(ncol(X)), function(j) minmax(X[, j], direction[j]))
colnames(Z) <- colnames(X)
Zyear <- Z
for (t in unique(year)) {
  rows <- year == t
  Zyear[rows, ] <- sapply(seq_len(ncol(X)), function(j) minmax(X[rows, j], direction[j]))
}
Zscore <- sapply(seq_len(ncol(X)), function(j) direction[j] * (X[, j] - mean(X[, j])) / sd(X[, j]))

entropy_w <- function(Z, shift = 0) {
  Z <- Z + shift
  P <- sweep(Z, 2, colSums(Z), "/")
  k <- 1 / log(nrow(Z))
  e <- -k * colSums(ifelse(P > 0, P * log(P), 0))
  d <- 1 - e
  d / sum(d)
}
critic_w <- function(Z) {
  s <- apply(Z, 2, sd)
  R <- cor(Z)
  C <- s * colSums(1 - R)
  C / sum(C)
}
pca_first_w <- function(Z) {
  ev <- eigen(cor(Z), symmetric = TRUE)
  ev$vectors[, 1]^2
}
pca_var_w <- function(Z, share = 0.85) {
  ev <- eigen(cor(Z), symmetric = TRUE)
  K <- which(cumsum(ev$values) / sum(ev$values) >= share - 1e-12)[1]
  lam <- ev$values[1:K] / sum(ev$values[1:K])
  as.vector((ev$vectors[, 1:K, drop = FALSE]^2) %*% lam)
}
topsis <- function(Z, w) {
  V <- sweep(Z, 2, w, "*")
  best <- apply(V, 2, max); worst <- apply(V, 2, min)
  dp <- sqrt(rowSums(sweep(V, 2, best)^2)); dm <- sqrt(rowSums(sweep(V, 2, worst)^2))
  dm / (dp + dm)
}

w_entropy <- entropy_w(Z)
w_entropy_shift <- entropy_w(Z, 1e-4)
w_critic <- critic_w(Z)
w_pca_first <- pca_first_w(Z)
w_pca_var <- pca_var_w(Z)
w_pca_var_half <- pca_var_w(Z, 0.5)

# Hierarchical index: dim1 = {a, b}, dim2 = {c, d, e}; entropy within, then across dimensions.
hier <- function(Z, wfun) {
  w1 <- wfun(Z[, 1:2]); w2 <- wfun(Z[, 3:5])
  s1 <- as.vector(Z[, 1:2] %*% w1); s2 <- as.vector(Z[, 3:5] %*% w2)
  S <- cbind(s1, s2)
  wd <- wfun(S)
  list(w_dim1 = w1, w_dim2 = w2, w_top = wd, dim1 = s1, dim2 = s2, overall = as.vector(S %*% wd))
}
# Flat aggregation: one set of weights over all indicators; dimension score = weighted mean.
flat <- function(Z, wfun) {
  w <- wfun(Z)
  list(w = w, dim1 = as.vector(Z[, 1:2] %*% w[1:2]) / sum(w[1:2]),
       dim2 = as.vector(Z[, 3:5] %*% w[3:5]) / sum(w[3:5]), overall = as.vector(Z %*% w))
}
# Year-by-year entropy weights on the panel-normalised matrix.
year_entropy <- lapply(unique(year), function(t) entropy_w(Z[year == t, ]))

# ---- Dagum (1997) by brute force, per year, on y = a (positive values)
dagum <- function(y, g) {
  n <- length(y); mu <- mean(y)
  G <- sum(abs(outer(y, y, "-"))) / (2 * n^2 * mu)
  labs <- unique(g)
  means <- sapply(labs, function(l) mean(y[g == l]))
  labs <- labs[order(-means)]
  p <- sapply(labs, function(l) sum(g == l) / n)
  s <- sapply(labs, function(l) sum(y[g == l]) / (n * mu))
  Gw <- 0; Gnb <- 0; Gt <- 0
  gjj <- list(); gjh <- list()
  for (j in seq_along(labs)) {
    yj <- y[g == labs[j]]
    Gjj <- sum(abs(outer(yj, yj, "-"))) / (2 * length(yj)^2 * mean(yj))
    gjj[[labs[j]]] <- Gjj
    Gw <- Gw + Gjj * p[j] * s[j]
  }
  for (j in 2:length(labs)) for (h in 1:(j - 1)) {
    # labs are in decreasing mean: h has the larger mean
    yh <- y[g == labs[h]]; yj <- y[g == labs[j]]
    diff <- outer(yh, yj, "-")
    Gjh <- sum(abs(diff)) / (length(yj) * length(yh) * (mean(yj) + mean(yh)))
    d <- sum(diff[diff > 0]) / (length(yj) * length(yh))
    pp <- sum(-diff[diff < 0]) / (length(yj) * length(yh))
    D <- (d - pp) / (d + pp)
    gjh[[paste(sort(c(labs[j], labs[h])), collapse = "|")]] <- Gjh
    Gnb <- Gnb + Gjh * (p[j] * s[h] + p[h] * s[j]) * D
    Gt <- Gt + Gjh * (p[j] * s[h] + p[h] * s[j]) * (1 - D)
  }
  list(gini = G, within = Gw, between = Gnb, transvariation = Gt, group = gjj, pair = gjh)
}
theil <- function(y, g) {
  n <- length(y); mu <- mean(y)
  T <- mean((y / mu) * log(y / mu))
  Tw <- 0; Tb <- 0
  for (l in unique(g)) {
    yl <- y[g == l]; sl <- sum(yl) / (n * mu)
    Tw <- Tw + sl * mean((yl / mean(yl)) * log(yl / mean(yl)))
    Tb <- Tb + sl * log(mean(yl) / mu)
  }
  list(theil = T, within = Tw, between = Tb)
}
y <- X[, "a"]
dagum_by_year <- lapply(unique(year), function(t) dagum(y[year == t], group[year == t]))
theil_by_year <- lapply(unique(year), function(t) theil(y[year == t], group[year == t]))

# ---- location quotient of (a + e) in b, and concentration measures
num <- X[, "a"] + X[, "e"]; den <- X[, "b"]
lq <- numeric(n); hhi <- numeric(n_year); hoover <- numeric(n_year)
for (i in seq_along(unique(year))) {
  t <- unique(year)[i]; r <- year == t
  lq[r] <- (num[r] / den[r]) / (sum(num[r]) / sum(den[r]))
  sx <- num[r] / sum(num[r]); sy <- den[r] / sum(den[r])
  hhi[i] <- sum(sx^2); hoover[i] <- 0.5 * sum(abs(sx - sy))
}

# ---- beta-convergence of ln(a): growth on initial level, SE clustered by region (HC1 = G/(G-1)(N-1)/(N-K))
df <- data.frame(region = region, year = year, ly = log(X[, "a"]))
df <- df[order(df$region, df$year), ]
df$growth <- ave(df$ly, df$region, FUN = function(v) c(diff(v), NA))
df <- df[!is.na(df$growth), ]
m_abs <- lm(growth ~ ly, data = df)
m_cond <- lm(growth ~ ly + factor(region) + factor(year), data = df)
v_abs <- vcovCL(m_abs, cluster = ~region, type = "HC1")
v_cond <- vcovCL(m_cond, cluster = ~region, type = "HC1")

res <- list(
  input = list(X = unname(split(X, col(X))), names = colnames(X), direction = direction,
               region = region, year = year, group = group),
  normalised = list(minmax_panel = unname(split(Z, col(Z))), minmax_year = unname(split(Zyear, col(Zyear))),
                    zscore = unname(split(Zscore, col(Zscore)))),
  weights = list(entropy = w_entropy, entropy_shift = w_entropy_shift, critic = w_critic,
                 pca_first = w_pca_first, pca_variance = w_pca_var, pca_variance_050 = w_pca_var_half,
                 equal = rep(1 / ncol(X), ncol(X)), year_entropy = year_entropy,
                 critic_zscore = critic_w(Zscore), pca_first_zscore = pca_first_w(Zscore)),
  topsis = topsis(Z, w_entropy),
  hierarchical = list(entropy = hier(Z, entropy_w), critic = hier(Z, critic_w)),
  flat = list(entropy = flat(Z, entropy_w), topsis_overall = topsis(Z, w_entropy),
              topsis_dim1 = topsis(Z[, 1:2], w_entropy[1:2] / sum(w_entropy[1:2]))),
  dagum = dagum_by_year, theil = theil_by_year,
  lq = lq, hhi = hhi, hoover = hoover,
  beta = list(absolute = list(beta = unname(coef(m_abs)["ly"]), se = unname(sqrt(diag(v_abs))["ly" == names(coef(m_abs))]),
                              const = unname(coef(m_abs)[1])),
              conditional = list(beta = unname(coef(m_cond)["ly"]),
                                 se = unname(sqrt(diag(v_cond))[names(coef(m_cond)) == "ly"])))
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "indices_reference.json"))
cat("wrote", file.path(out_dir, "indices_reference.json"), "\n")
