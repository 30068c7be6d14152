# Reference estimates from R's survey package for tests/statistics/test_design_based.py
# (after survey_design.R).
# args: data.csv criteria(comma) elements-file domains-file strata(0/1) psu(0/1) fpc(0/1)
#   [lonely.psu (default adjust)]
# Output lines (tab-separated): domain kind name estimate se
#   [logit_low logit_high deff df beta_low beta_high wilson_low wilson_high] (criteria)
# df = degf(sub), sub the domain's subset; every interval uses it. "fail" lines: a domain R
# refuses under survey.lonely.psu = "fail".
a <- commandArgs(trailingOnly = TRUE)
if (length(a) >= 8) options(survey.lonely.psu = a[8])
d <- read.csv(a[1], stringsAsFactors = FALSE)
crit <- strsplit(a[2], ",")[[1]]
elements <- parse_lines(a[3])
domains <- parse_lines(a[4])
# the pooled rule: Σ satisfied / Σ answered over an element's criteria (or all of them)
for (e in names(elements)) {
  d[[paste0("psat_", e)]] <- rowSums(d[paste0("sat_", elements[[e]])])
  d[[paste0("pans_", e)]] <- rowSums(d[paste0("ans_", elements[[e]])])
}
d$psat_all <- rowSums(d[paste0("sat_", crit)])
d$pans_all <- rowSums(d[paste0("ans_", crit)])
des <- make_design(d, a[5:7])
# Calibrated designs (args[9]: survey_design.R's calibration file)
if (length(a) >= 9 && a[9] != "-") des <- calibrated_design(d, a[5:7], a[9])
ratio_name <- function(cs) paste0("sat_", cs, "/ans_", cs)
contrast <- function(stat, cs) {
  expr <- paste0("(", paste0("`", ratio_name(cs), "`", collapse = " + "), ")/", length(cs))
  svycontrast(stat, parse(text = expr)[[1]])
}
# Korn and Graubard's interval as svyciprop(method = "beta") computes it, with its df and
# n given (svyciprop takes degf and nrow of the design it is given); v = 0: n.eff = n
kg <- function(p, v, n, df) {
  if (is.na(v)) return(c(NaN, NaN))
  neff <- if (v > 0) p * (1 - p) / v else n
  neff <- neff * (qt(0.025, n - 1) / qt(0.025, df))^2
  c(qbeta(0.025, neff * p, neff * (1 - p) + 1), qbeta(0.975, neff * p + 1, neff * (1 - p)))
}
# Wilson's score interval at the effective sample size, t on df (survey 4.1 has no "wilson")
wilson <- function(p, v, n, df) {
  if (is.na(v)) return(c(NaN, NaN))
  m <- if (v > 0) p * (1 - p) / v else n
  t <- qt(0.975, df)
  (p + t^2 / (2 * m) + c(-1, 1) * t * sqrt(p * (1 - p) / m + t^2 / (4 * m^2))) / (1 + t^2 / m)
}
expit <- function(x) 1 / (1 + exp(-x))
estimate_domain <- function(name, sub) {
  # criteria without an answer in the domain are left out before svyratio: their NaN
  # columns would make every stratum "not OK" in onestage()'s average
  # (rows of the domain: a calibrated design's subset keeps the others with weight 0)
  inside <- weights(sub) > 0
  answered <- crit[sapply(crit, function(c) sum(sub$variables[[paste0("ans_", c)]][inside]) > 0)]
  r <- svyratio(as.formula(paste("~", paste0("sat_", answered, collapse = "+"))),
                as.formula(paste("~", paste0("ans_", answered, collapse = "+"))),
                sub, covmat = TRUE)
  nm <- ratio_name(answered)
  est <- coef(r)[nm]
  keep <- crit %in% answered
  stat <- structure(est, var = vcov(r)[nm, nm, drop = FALSE],
                    statistic = "ratio", class = "svystat")
  df <- degf(sub)
  for (c in crit[keep]) {
    s <- sub[sub$variables[[paste0("ans_", c)]] == 1, ]
    # (one answer: no SRS variance; calibrate()'s qr.resid refuses the NaN it would make)
    one <- sum(weights(s) > 0) < 2
    m <- svymean(as.formula(paste0("~sat_", c)), s, deff = if (one) FALSE else "replace")
    p <- as.numeric(coef(m))
    # the variance of the domain's svyratio (as the elements'): svymean on the criterion's
    # respondents gives the same, except under lonely.psu "average", which averages over the
    # strata of the rows it is given
    v <- as.numeric(vcov(r)[ratio_name(c), ratio_name(c)])
    if (!is.na(v) && v < 0) v <- 0  # a constant's variance, rounded below zero
    srs <- if (one) NaN else as.numeric(vcov(m) / deff(m))
    d <- if (!is.na(v) && v > 0 && is.finite(srs) && srs > 0) v / srs else NaN
    # "xlogit" (svyciprop's logit interval by the delta method; "logit" fits a glm to the same)
    ci <- expit(log(p / (1 - p)) + c(-1, 1) * qt(0.975, df) * sqrt(v) / (p * (1 - p)))
    if (getOption("survey.lonely.psu") != "average" && all(is.finite(ci))) {
      f1 <- as.formula(paste0("~I(sat_", c, " == 1)"))
      theirs <- suppressWarnings(attr(svyciprop(f1, s, method = "xlogit", df = df), "ci"))
      stopifnot(isTRUE(all.equal(unname(ci), unname(theirs), tolerance = 1e-12)))
    }
    # the domain's answers: a calibrated design's subset keeps every row (prob = Inf), and
    # svyciprop(method = "beta") would then take nrow() of the whole sample as n
    n <- sum(weights(s) > 0)
    beta <- kg(p, v, n, df)
    if (!is.na(v) && v > 0 && n > 1 && degf(s) > 0 &&
        getOption("survey.lonely.psu") != "average") {  # kg() is svyciprop's "beta"
      mine <- kg(p, v, nrow(s), degf(s))
      f1 <- as.formula(paste0("~I(sat_", c, " == 1)"))
      theirs <- suppressWarnings(attr(svyciprop(f1, s, method = "beta"), "ci"))
      stopifnot(isTRUE(all.equal(unname(mine), unname(theirs), tolerance = 1e-12)))
    }
    w <- wilson(p, v, n, df)
    emit(name, "criterion", c, f(p), f(sqrt(v)), f(ci[1]), f(ci[2]), f(d), df,
         f(beta[1]), f(beta[2]), f(w[1]), f(w[2]))
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
  pooled_domain(name, sub)
}
# Pooled elements (svyratio of the sums), the pooled overall, and the mean of pooled elements
# (svycontrast over svyratio(covmat = TRUE) of every element's sums)
pooled_domain <- function(name, sub) {
  inside <- weights(sub) > 0
  es <- names(elements)[sapply(names(elements), function(e)
    sum(sub$variables[[paste0("pans_", e)]][inside]) > 0)]
  r <- svyratio(as.formula(paste("~", paste0("psat_", es, collapse = "+"))),
                as.formula(paste("~", paste0("pans_", es, collapse = "+"))), sub, covmat = TRUE)
  nm <- paste0("psat_", es, "/pans_", es)
  stat <- structure(coef(r)[nm], var = vcov(r)[nm, nm, drop = FALSE], statistic = "ratio",
                    class = "svystat")
  for (i in seq_along(es)) {
    emit(name, "pooled_element", es[i], f(coef(stat)[i]), f(sqrt(max(vcov(stat)[i, i], 0))))
  }
  expr <- paste0("(", paste0("`", nm, "`", collapse = " + "), ")/", length(nm))
  x <- svycontrast(stat, parse(text = expr)[[1]])
  emit(name, "pooled_mean", "", f(coef(x)), f(SE(x)))
  all <- svyratio(~psat_all, ~pans_all, sub)
  emit(name, "pooled_overall", "", f(coef(all)), f(sqrt(max(vcov(all), 0))))
}
for (name in names(domains)) {
  sub <- subset(des, unit %in% domains[[name]])
  tryCatch(estimate_domain(name, sub), error = function(e) {
    if (!grepl("has only one PSU", conditionMessage(e))) stop(e)
    emit(name, "fail", "", "0")
  })
}
# Child units of the province in one call (svyby over departments)
for (c in if (getOption("survey.lonely.psu") == "fail") character(0) else crit) {
  by <- svyby(as.formula(paste0("~sat_", c)), ~department, des, svyratio,
              denominator = as.formula(paste0("~ans_", c)))
  for (i in seq_len(nrow(by))) {
    emit(by$department[i], "svyby", c, f(coef(by)[i]), f(SE(by)[i]))
  }
}
