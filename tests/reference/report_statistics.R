# Reference for clusternet.report.statistics: descriptive statistics (summary with
# na.rm, sd with the n-1 denominator) and pairwise-complete Pearson correlations with
# cor.test p-values, on R's built-in `airquality` data (it has missing values).
# Writes tests/reference/fixtures/report_statistics.json (data included).
# Run from the repository root: Rscript tests/reference/report_statistics.R
library(jsonlite)

vars <- c("Ozone", "Solar.R", "Wind", "Temp")
d <- airquality[, vars]
describe <- lapply(vars, function(v) {
  x <- d[[v]][!is.na(d[[v]])]
  list(variable = v, n = length(x), mean = mean(x), sd = sd(x), min = min(x), median = median(x), max = max(x))
})
pairs <- list()
for (i in seq_along(vars)) for (j in seq_along(vars)) if (i < j) {
  ok <- complete.cases(d[[vars[i]]], d[[vars[j]]])
  ct <- cor.test(d[[vars[i]]][ok], d[[vars[j]]][ok])
  pairs[[length(pairs) + 1]] <- list(x = vars[i], y = vars[j], n = sum(ok), r = unname(ct$estimate),
                                     p_value = ct$p.value)
}
out <- list(
  source = "R airquality; summary statistics with na.rm, sd(); cor.test on pairwise-complete rows",
  r_version = R.version.string,
  data = lapply(as.list(d), function(col) ifelse(is.na(col), NA, col)),
  describe = describe,
  correlations = pairs
)
write_json(out, "tests/reference/fixtures/report_statistics.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
