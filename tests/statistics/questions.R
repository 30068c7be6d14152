# Reference option shares from R's survey package for tests/statistics/test_question_design.py
# (after survey_design.R).
# args: data.csv questions-file domains-file strata(0/1) psu(0/1) fpc(0/1)
# questions-file lines: "code:single" (column q_<code>, NA when unanswered) or
# "code:opt1,opt2,..." (multiple choice: columns q_<code>__<opt> 0/1, NA when unanswered).
# Output lines (tab-separated): domain question option share se ci_low ci_high deff df
# logit_low logit_high
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE, colClasses = "character", na.strings = "NA")
for (col in c("weight", "fpc")) d[[col]] <- as.numeric(d[[col]])
multi <- grep("__", names(d), value = TRUE)
for (col in multi) d[[col]] <- as.numeric(d[[col]])
questions <- parse_lines(a[2])
domains <- parse_lines(a[3])
des <- make_design(d, a[4:6])
share <- function(sub, name, q, option, formula, coefname, indicator) {
  m <- svymean(formula, sub, deff = "replace")
  i <- if (is.numeric(coefname)) coefname else match(coefname, names(coef(m)))
  # "xlogit": the delta method on the logit scale, in closed form; "logit": the same interval
  # from an iterative quasibinomial fit, so equal only to glm's convergence tolerance (~1e-8)
  ci <- attr(svyciprop(indicator, sub, method = "xlogit"), "ci")
  fit <- suppressWarnings(attr(svyciprop(indicator, sub, method = "logit"), "ci"))
  emit(name, q, option, f(coef(m)[i]), f(SE(m)[i]), f(ci[1]), f(ci[2]), f(deff(m)[i]),
       degf(sub), f(fit[1]), f(fit[2]))
}
for (name in names(domains)) {
  inside <- des$variables$unit %in% domains[[name]]
  for (q in names(questions)) {
    options <- questions[[q]]
    if (identical(options, "single")) {
      column <- paste0("q_", q)
      sub <- des[inside & !is.na(des$variables[[column]]), ]
      if (nrow(sub) == 0) next
      levels <- sort(unique(sub$variables[[column]]))
      for (level in levels) {
        indicator <- as.formula(paste0("~I(", column, " == '", level, "')"))
        if (length(levels) > 1) {  # factor() needs two levels; one level is a share of 1
          share(sub, name, q, level, as.formula(paste0("~factor(", column, ")")),
                paste0("factor(", column, ")", level), indicator)
        } else {
          share(sub, name, q, level, as.formula(paste0("~as.numeric(", column, " == '",
                level, "')")), 1, indicator)
        }
      }
    } else {
      for (option in options) {
        column <- paste0("q_", q, "__", option)
        sub <- des[inside & !is.na(des$variables[[column]]), ]
        if (nrow(sub) == 0) next
        share(sub, name, q, option, as.formula(paste0("~", column)), 1,
              as.formula(paste0("~I(", column, " == 1)")))
      }
    }
  }
}
