# Reference figures from R's survey package for tests/statistics/test_moh_design.py (after
# survey_design.R): the Ministry of Health's mean score (1–5) per item, section and overall
# (mean of item means) and the share satisfied with every item rated.
# args: data.csv items(comma) sections-file domains-file strata(0/1) psu(0/1) fpc(0/1)
#   [lonely.psu [calibration file (survey_design.R's calibrated_design) or "-"]]
# columns: score_<item> (0 when not rated), ans_<item> (0/1), allsat (0/1), rated (0/1)
# Output lines (tab-separated): domain kind name estimate se ci_low ci_high df
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
items <- strsplit(a[2], ",")[[1]]
sections <- parse_lines(a[3])
domains <- parse_lines(a[4])
if (length(a) >= 8) options(survey.lonely.psu = a[8])
des <- make_design(d, a[5:7])
if (length(a) >= 9 && a[9] != "-") des <- calibrated_design(d, a[5:7], a[9])
ratio_name <- function(cs) paste0("score_", cs, "/ans_", cs)
out <- function(name, kind, code, stat, df) {
  ci <- confint(stat, df = df)
  emit(name, kind, code, f(coef(stat)), f(SE(stat)), f(ci[1]), f(ci[2]), df)
}
for (name in names(domains)) {
  sub <- subset(des, unit %in% domains[[name]])
  df <- degf(sub)
  inside <- weights(sub) > 0  # a calibrated design's subset keeps the other rows (weight 0)
  answered <- items[sapply(items, function(c) sum(sub$variables[[paste0("ans_", c)]][inside]) > 0)]
  r <- svyratio(as.formula(paste("~", paste0("score_", answered, collapse = "+"))),
                as.formula(paste("~", paste0("ans_", answered, collapse = "+"))),
                sub, covmat = TRUE)
  nm <- ratio_name(answered)
  stat <- structure(coef(r)[nm], var = vcov(r)[nm, nm, drop = FALSE],
                    statistic = "ratio", class = "svystat")
  mean_of <- function(cs) {
    expr <- paste0("(", paste0("`", ratio_name(cs), "`", collapse = " + "), ")/", length(cs))
    svycontrast(stat, parse(text = expr)[[1]])
  }
  for (c in answered) out(name, "item", c, mean_of(c), df)
  for (s in names(sections)) {
    cs <- intersect(sections[[s]], answered)
    if (length(cs) > 0) out(name, "section", s, mean_of(cs), df)
  }
  out(name, "overall", "mean", mean_of(answered), df)
  share <- svyratio(~allsat, ~rated, sub)
  rated <- subset(sub, rated == 1)
  ci <- attr(svyciprop(~I(allsat == 1), rated, method = "xlogit", df = df), "ci")
  emit(name, "all_satisfied", "share", f(coef(share)), f(SE(share)), f(ci[1]), f(ci[2]), df)
}
