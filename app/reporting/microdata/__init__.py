"""Analysts' formats: a round's valid responses, masked (no free text), with their weights,
strata, PSUs, fpc, flags and the instrument's value labels, as SPSS .sav, Stata .dta and CSV
with a codebook (docs/report-document.md, "Analysts' formats")."""
