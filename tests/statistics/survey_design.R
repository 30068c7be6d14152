# Shared by the R programs of tests/statistics: the survey design of an exported data set
# (columns weight, stratum, psu, fpc: tests/statistics/design_data.py export) and output helpers.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
parse_lines <- function(path) {
  lines <- readLines(path)
  setNames(lapply(lines, function(l) strsplit(strsplit(l, ":")[[1]][2], ",")[[1]]),
           sapply(lines, function(l) strsplit(l, ":")[[1]][1]))
}
# flags: "0"/"1" for strata, psu, fpc
make_design <- function(d, flags) {
  ids <- if (flags[2] == "1") ~psu else ~1
  strata <- if (flags[1] == "1") ~stratum else NULL
  fpc <- if (flags[3] == "1") ~fpc else NULL
  svydesign(ids = ids, strata = strata, weights = ~weight, fpc = fpc, data = d, nest = TRUE)
}
f <- function(x) sprintf("%.17g", x)
emit <- function(...) cat(paste(..., sep = "\t"), "\n", sep = "")
# A calibrated design (file: "kind" (rake, calibrate, poststratify), then
# "variable<TAB>category<TAB>total" lines, and for calibrate "bounds<TAB>lower<TAB>upper"): the
# design of the base weights (column base) calibrated as the round's weight set, whose final
# weights (column weight) must be R's
calibrated_design <- function(d, flags, path) {
  spec <- read.delim(path, header = FALSE, colClasses = "character", col.names = c("v", "c", "t"))
  kind <- spec$v[1]
  margins <- spec[-1, ]
  bounds <- margins[margins$v == "bounds", ]
  margins <- margins[margins$v != "bounds", ]
  vars <- unique(margins$v)
  for (v in vars) d[[v]] <- factor(d[[v]])
  table_of <- function(v) {
    m <- margins[margins$v == v, ]
    out <- data.frame(m$c, as.numeric(m$t))
    names(out) <- c(v, "Freq")
    out
  }
  final <- d$weight
  d$weight <- d$base
  des <- make_design(d, flags)
  if (kind == "rake") {
    des <- rake(des, lapply(vars, function(v) as.formula(paste("~", v))), lapply(vars, table_of),
                control = list(maxit = 5000, epsilon = 1e-14))
  } else if (kind == "poststratify") {
    des <- postStratify(des, as.formula(paste("~", vars[1])), table_of(vars[1]))
  } else {
    pop <- c("(Intercept)" = sum(as.numeric(margins$t[margins$v == vars[1]])))
    for (v in vars) {
      m <- margins[margins$v == v, ]
      for (l in levels(d[[v]])[-1]) pop[paste0(v, l)] <- as.numeric(m$t[m$c == l])
    }
    des <- calibrate(des, as.formula(paste("~", paste(vars, collapse = "+"))), population = pop,
                     calfun = "raking", bounds = as.numeric(c(bounds$c, bounds$t)),
                     epsilon = 1e-13, maxit = 5000)
  }
  gap <- max(abs(unname(weights(des)) / final - 1))
  if (gap > 1e-9) stop("weights differ from R by ", gap)
  des
}
