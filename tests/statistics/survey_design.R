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
