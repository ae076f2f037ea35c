#!/usr/bin/env Rscript
# Reference values for clusternet.network.metrics (Krackhardt measures, density,
# reciprocity, betweenness) and clusternet.network.qap (QAP correlation, MRQAP with
# double semi-partialling) from R's sna package (Butts), an implementation independent
# of igraph/networkx/numpy.
#
# Needs: sna and jsonlite (Debian: apt-get install r-cran-sna r-cran-jsonlite).
# Regenerate (from the repository root):
#   Rscript tests/reference/network_sna.R
# Writes tests/reference/fixtures/network_sna.json with the input matrices (so the
# Python tests use exactly the same numbers) and sna's results. Tests never run R.
suppressPackageStartupMessages({
  library(sna); library(jsonlite)
})
out_dir <- file.path("tests", "reference", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
set.seed(20240501)

graph_case <- function(n, p) {
  a <- rgraph(n, tprob = p)
  diag(a) <- 0
  list(
    adjacency = a,
    density = gden(a),
    reciprocity_edgewise = grecip(a, measure = "edgewise"),
    connectedness = connectedness(a),
    hierarchy = hierarchy(a, measure = "krackhardt"),
    efficiency = efficiency(a),
    # sna betweenness of a digraph, unnormalised; Python divides by (n-1)(n-2)
    betweenness = betweenness(a, gmode = "digraph", cmode = "directed")
  )
}
# a sparse digraph (several weak components, partial reachability), a denser one,
# and an out-tree (perfect hierarchy)
graphs <- list(graph_case(12, 0.12), graph_case(15, 0.25))
tree <- matrix(0, 7, 7)
tree[1, 2] <- tree[1, 3] <- tree[2, 4] <- tree[2, 5] <- tree[3, 6] <- tree[3, 7] <- 1
graphs[[3]] <- list(adjacency = tree, density = gden(tree),
                    reciprocity_edgewise = grecip(tree, measure = "edgewise"),
                    connectedness = connectedness(tree), hierarchy = hierarchy(tree, measure = "krackhardt"),
                    efficiency = efficiency(tree),
                    betweenness = betweenness(tree, gmode = "digraph", cmode = "directed"))

# MRQAP: y depends on x1, not on x2; x2 is correlated with x1; sender effects in y.
n <- 14
v <- rnorm(n)
x1 <- abs(outer(v, v, "-"))
x2 <- x1 + matrix(rnorm(n * n, sd = 0.5), n, n)
y <- 0.8 * x1 + outer(rnorm(n), rep(1, n)) + matrix(rnorm(n * n), n, n)
diag(x1) <- diag(x2) <- diag(y) <- 0
reps <- 5000
fit <- netlm(y, list(x1, x2), mode = "digraph", nullhyp = "qapspp", test.statistic = "t-value", reps = reps)
ols_se <- sqrt(diag(chol2inv(fit$qr$qr)) * sum(fit$residuals^2) / fit$df.residual)
off <- row(y) != col(y)
r2 <- 1 - sum(fit$residuals^2) / sum((y[off] - mean(y[off]))^2)
# a weakly related matrix, so that the QAP correlation p-value is not at its floor
x3 <- x1 + matrix(rnorm(n * n, sd = 4), n, n)
diag(x3) <- 0
qc <- qaptest(list(y, x3), gcor, g1 = 1, g2 = 2, reps = reps)

out <- list(
  generator = "tests/reference/network_sna.R",
  sna_version = as.character(packageVersion("sna")),
  graphs = graphs,
  mrqap = list(
    y = y, x1 = x1, x2 = x2, reps = reps,
    coefficients = unname(fit$coefficients),
    std_errors = unname(ols_se),
    t = unname(fit$tstat),
    p_two_sided = unname(fit$pgreqabs),
    p_greater = unname(fit$pgreq),
    p_less = unname(fit$pleeq),
    r2 = r2
  ),
  qap_correlation = list(
    x3 = x3,
    correlation = gcor(y, x3),
    p_greater = qc$pgreq,
    p_less = qc$pleeq,
    reps = reps
  )
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", pretty = TRUE),
           file.path(out_dir, "network_sna.json"))
cat("wrote", file.path(out_dir, "network_sna.json"), "\n")
