#!/usr/bin/env Rscript
# Reference values for clusternet.models.mechanisms and clusternet.models.did (TWFE) from plm
# and sandwich: two-way FE fits with entity-clustered covariances (plm vcovHC arellano, type
# "sss" = Stata's G/(G-1)(N-1)/(N-K)), the Sobel test, centred-interaction marginal effects,
# the Wald test of equal group slopes, and a staggered-adoption TWFE event study.
#
# Regenerate (from the repository root):
#   Rscript tests/reference/mechanisms.R
# Writes tests/reference/fixtures/mechanisms_data_produc.csv, mechanisms_data_staggered.csv
# (the exact data the Python tests read) and tests/reference/fixtures/mechanisms.json.
suppressPackageStartupMessages({ library(plm); library(sandwich); library(jsonlite) })
out_dir <- file.path("tests", "reference", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
round15 <- function(df) { for (v in names(df)) if (is.double(df[[v]])) df[[v]] <- signif(df[[v]], 15); df }

data("Produc", package = "plm")
produc <- data.frame(state = as.integer(Produc$state), year = Produc$year, region = as.integer(Produc$region),
                     lgsp = log(Produc$gsp), lpc = log(Produc$pc), lemp = log(Produc$emp), unemp = Produc$unemp)
produc <- round15(produc[order(produc$state, produc$year), ])
write.csv(produc, file.path(out_dir, "mechanisms_data_produc.csv"), row.names = FALSE)
pdat <- pdata.frame(produc, index = c("state", "year"))

fe <- function(formula, data) plm(formula, data = data, model = "within", effect = "twoways")
vc <- function(m) vcovHC(m, method = "arellano", type = "sss", cluster = "group")
coefs <- function(m) {
  V <- vc(m)
  list(names = names(coef(m)), estimate = unname(coef(m)), std_error = unname(sqrt(diag(V))),
       vcov = unname(lapply(seq_len(nrow(V)), function(i) unname(V[i, ]))))
}

# ---- mediation: lpc -> lemp -> lgsp, control unemp
total <- fe(lgsp ~ lpc + unemp, pdat)
apath <- fe(lemp ~ lpc + unemp, pdat)
bpath <- fe(lgsp ~ lpc + lemp + unemp, pdat)
a <- coef(apath)[["lpc"]]; sa <- sqrt(vc(apath)["lpc", "lpc"])
b <- coef(bpath)[["lemp"]]; sb <- sqrt(vc(bpath)["lemp", "lemp"])
sobel_se <- sqrt(b^2 * sa^2 + a^2 * sb^2)
mediation <- list(total = coefs(total), a = coefs(apath), b = coefs(bpath),
                  sobel = list(indirect = a * b, se = sobel_se, z = a * b / sobel_se,
                               p_value = 2 * pnorm(-abs(a * b / sobel_se))))

# ---- moderation: lpc x unemp, centred product
produc_m <- produc
produc_m$inter <- (produc$lpc - mean(produc$lpc)) * (produc$unemp - mean(produc$unemp))
mod <- fe(lgsp ~ lpc + unemp + inter, pdata.frame(produc_m, index = c("state", "year")))
Vm <- vc(mod)
grid <- seq(min(produc$unemp), max(produc$unemp), length.out = 5)
zc <- grid - mean(produc$unemp)
me <- coef(mod)[["lpc"]] + coef(mod)[["inter"]] * zc
me_se <- sqrt(Vm["lpc", "lpc"] + zc^2 * Vm["inter", "inter"] + 2 * zc * Vm["lpc", "inter"])
moderation <- list(fit = coefs(mod), grid = grid, effect = me, std_error = me_se)

# ---- heterogeneity: lpc and unemp interacted with the 9 census regions
regions <- sort(unique(produc$region))
produc_h <- produc
cols <- c()
for (v in c("lpc", "unemp")) for (g in regions) {
  nm <- paste0(v, "_r", g); produc_h[[nm]] <- produc[[v]] * (produc$region == g); cols <- c(cols, nm)
}
het <- fe(as.formula(paste("lgsp ~", paste(cols, collapse = " + "))), pdata.frame(produc_h, index = c("state", "year")))
bx <- coef(het)[paste0("lpc_r", regions)]
Vx <- vc(het)[paste0("lpc_r", regions), paste0("lpc_r", regions)]
R <- cbind(-1, diag(length(regions) - 1))
rb <- R %*% bx
wald <- as.numeric(t(rb) %*% solve(R %*% Vx %*% t(R)) %*% rb)
heterogeneity <- list(fit = coefs(het), wald = wald, df = length(regions) - 1,
                      p_value = pchisq(wald, length(regions) - 1, lower.tail = FALSE))

# ---- staggered adoption, TWFE static and event study (leads 3, lags 3, binned, ref -1)
set.seed(20240501)
n <- 30; years <- 2011:2020
cohort <- c(rep(2014, 8), rep(2016, 8), rep(2018, 6), rep(NA, 8))
st <- expand.grid(year = years, id = seq_len(n))[, c("id", "year")]
st$g <- cohort[st$id]
alpha <- rnorm(n); lambda <- rnorm(length(years))
e <- st$year - st$g
st$y <- alpha[st$id] + lambda[st$year - 2010] + ifelse(!is.na(e) & e >= 0, 1 + 0.3 * e, 0) + rnorm(nrow(st))
st <- round15(st)
write.csv(st, file.path(out_dir, "mechanisms_data_staggered.csv"), row.names = FALSE, na = "")
st$att <- as.numeric(!is.na(st$g) & st$year >= st$g)
rel <- pmin(pmax(e, -3), 3)
ev_names <- c()
for (k in c(-3, -2, 0, 1, 2, 3)) {
  nm <- paste0("ev", ifelse(k < 0, paste0("m", -k), k)); st[[nm]] <- as.numeric(!is.na(rel) & rel == k)
  ev_names <- c(ev_names, nm)
}
spdat <- pdata.frame(st, index = c("id", "year"))
static <- fe(y ~ att, spdat)
event <- fe(as.formula(paste("y ~", paste(ev_names, collapse = " + "))), spdat)
did_twfe <- list(static = coefs(static), event = coefs(event), event_times = c(-3, -2, 0, 1, 2, 3))

write_json(list(meta = list(generator = "tests/reference/mechanisms.R", plm = as.character(packageVersion("plm")),
                            sandwich = as.character(packageVersion("sandwich")),
                            covariance = "vcovHC(method='arellano', type='sss', cluster='group')"),
                mediation = mediation, moderation = moderation, heterogeneity = heterogeneity,
                did_twfe = did_twfe),
           file.path(out_dir, "mechanisms.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
