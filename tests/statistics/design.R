# Reference estimates from R's survey package for tests/statistics/test_design_based.py
# (after survey_design.R).
# args: data.csv criteria(comma) elements-file domains-file strata(0/1) psu(0/1) fpc(0/1)
# Output lines (tab-separated): domain kind name estimate se
#   [ci_low ci_high deff df xlogit_low xlogit_high] (criteria)
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
crit <- strsplit(a[2], ",")[[1]]
elements <- parse_lines(a[3])
domains <- parse_lines(a[4])
des <- make_design(d, a[5:7])
num <- as.formula(paste("~", paste0("sat_", crit, collapse = "+")))
den <- as.formula(paste("~", paste0("ans_", crit, collapse = "+")))
ratio_name <- function(cs) paste0("sat_", cs, "/ans_", cs)
contrast <- function(stat, cs) {
  expr <- paste0("(", paste0("`", ratio_name(cs), "`", collapse = " + "), ")/", length(cs))
  svycontrast(stat, parse(text = expr)[[1]])
}
for (name in names(domains)) {
  sub <- subset(des, unit %in% domains[[name]])
  r <- svyratio(num, den, sub, covmat = TRUE)
  nm <- ratio_name(crit)
  est <- coef(r)[nm]
  keep <- is.finite(est)
  stat <- structure(est[keep], var = vcov(r)[nm[keep], nm[keep], drop = FALSE],
                    statistic = "ratio", class = "svystat")
  for (c in crit[keep]) {
    s <- sub[sub$variables[[paste0("ans_", c)]] == 1, ]
    m <- svymean(as.formula(paste0("~sat_", c)), s, deff = "replace")
    p <- as.formula(paste0("~I(sat_", c, " == 1)"))
    ci <- suppressWarnings(attr(svyciprop(p, s, method = "logit"), "ci"))
    # "xlogit": the same interval by the delta method; "logit" (a glm's Wald interval) turns
    # t(0.975, df) into a normal level, which overflows to [0, NaN] when df = 1
    xci <- suppressWarnings(attr(svyciprop(p, s, method = "xlogit"), "ci"))
    emit(name, "criterion", c, f(coef(m)), f(SE(m)), f(ci[1]), f(ci[2]), f(deff(m)), degf(s),
         f(xci[1]), f(xci[2]))
  }
  available <- crit[keep]
  for (e in names(elements)) {
    cs <- intersect(elements[[e]], available)
    if (length(cs)) {
      x <- contrast(stat, cs)
      emit(name, "element", e, f(coef(x)), f(SE(x)))
    }
  }
  x <- contrast(stat, available)
  emit(name, "overall", "", f(coef(x)), f(SE(x)))
}
# Child units of the province in one call (svyby over departments)
for (c in crit) {
  by <- svyby(as.formula(paste0("~sat_", c)), ~department, des, svyratio,
              denominator = as.formula(paste0("~ans_", c)))
  for (i in seq_len(nrow(by))) {
    emit(by$department[i], "svyby", c, f(coef(by)[i]), f(SE(by)[i]))
  }
}
