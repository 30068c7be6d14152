-- How fast could the province tally be on the same 100,000 responses with another query or
-- layout? Run after bench/run.sh (it leaves sipas_bench_report behind):
--   psql -X -h 127.0.0.1 -U postgres -d sipas_bench_report -f bench/report_alternatives.sql
-- Only creates and drops its own zz_* tables. Each query runs 3 times; read the last timings.
\set criteria '\'{ACC1,ACC2,ACC3,PRO1,PRO2,PRO3,PRO4,OFF1,OFF2,OFF3,RES1,RES2,RES3,FBK1,FBK2,FBK3}\''
SELECT id AS round_id FROM round WHERE code = 'DEMO-2026' \gset
\o /dev/null
\timing on

\echo '(A) counts per (unit, question, value) joined to response; weights applied afterwards'
SELECT r.unit_id, a.question, a.value, count(*), sum(r.base_weight)
FROM answer a JOIN response r ON r.id = a.response_id
WHERE r.round_id = :round_id AND r.status = 'valid' AND a.value IS NOT NULL
  AND a.question = ANY(:criteria::text[])
GROUP BY 1, 2, 3 \g
\g
\g

\timing off
CREATE TABLE zz_answer_denorm AS
  SELECT a.response_id, a.question, a.value, r.round_id, r.unit_id, r.status, r.base_weight
  FROM answer a JOIN response r ON r.id = a.response_id;
CREATE TABLE zz_wide AS
  SELECT r.id, r.round_id, r.unit_id, r.status, r.base_weight,
    max(a.value) FILTER (WHERE question = 'ACC1') AS acc1, max(a.value) FILTER (WHERE question = 'ACC2') AS acc2,
    max(a.value) FILTER (WHERE question = 'ACC3') AS acc3, max(a.value) FILTER (WHERE question = 'PRO1') AS pro1,
    max(a.value) FILTER (WHERE question = 'PRO2') AS pro2, max(a.value) FILTER (WHERE question = 'PRO3') AS pro3,
    max(a.value) FILTER (WHERE question = 'PRO4') AS pro4, max(a.value) FILTER (WHERE question = 'OFF1') AS off1,
    max(a.value) FILTER (WHERE question = 'OFF2') AS off2, max(a.value) FILTER (WHERE question = 'OFF3') AS off3,
    max(a.value) FILTER (WHERE question = 'RES1') AS res1, max(a.value) FILTER (WHERE question = 'RES2') AS res2,
    max(a.value) FILTER (WHERE question = 'RES3') AS res3, max(a.value) FILTER (WHERE question = 'FBK1') AS fbk1,
    max(a.value) FILTER (WHERE question = 'FBK2') AS fbk2, max(a.value) FILTER (WHERE question = 'FBK3') AS fbk3
  FROM response r JOIN answer a ON a.response_id = r.id GROUP BY r.id;
CREATE TABLE zz_tally AS
  SELECT round_id, unit_id, question, value, count(*) AS n, sum(base_weight) AS bw
  FROM zz_answer_denorm WHERE status = 'valid' AND value IS NOT NULL
  GROUP BY 1, 2, 3, 4;
VACUUM ANALYZE zz_answer_denorm;
VACUUM ANALYZE zz_wide;
VACUUM ANALYZE zz_tally;
\timing on

\echo '(B) as (A), with round_id/unit_id/status copied onto each answer row (no join)'
SELECT unit_id, question, value, count(*), sum(base_weight) FROM zz_answer_denorm
WHERE round_id = :round_id AND status = 'valid' AND value IS NOT NULL
  AND question = ANY(:criteria::text[])
GROUP BY 1, 2, 3 \g
\g
\g

\echo '(C) one row per response with a column per rating criterion (100,000 rows, not 1.9 M)'
SELECT unit_id, count(*), sum(base_weight),
  count(acc1), count(*) FILTER (WHERE acc1 >= 4), count(acc2), count(*) FILTER (WHERE acc2 >= 4),
  count(acc3), count(*) FILTER (WHERE acc3 >= 4), count(pro1), count(*) FILTER (WHERE pro1 >= 4),
  count(pro2), count(*) FILTER (WHERE pro2 >= 4), count(pro3), count(*) FILTER (WHERE pro3 >= 4),
  count(pro4), count(*) FILTER (WHERE pro4 >= 4), count(off1), count(*) FILTER (WHERE off1 >= 4),
  count(off2), count(*) FILTER (WHERE off2 >= 4), count(off3), count(*) FILTER (WHERE off3 >= 4),
  count(res1), count(*) FILTER (WHERE res1 >= 4), count(res2), count(*) FILTER (WHERE res2 >= 4),
  count(res3), count(*) FILTER (WHERE res3 >= 4), count(fbk1), count(*) FILTER (WHERE fbk1 >= 4),
  count(fbk2), count(*) FILTER (WHERE fbk2 >= 4), count(fbk3), count(*) FILTER (WHERE fbk3 >= 4)
FROM zz_wide WHERE round_id = :round_id AND status = 'valid' GROUP BY unit_id \g
\g
\g

\echo '(D) a maintained tally table: (round, unit, question, value) -> count, base-weight sum'
SELECT unit_id, question, value, n, bw FROM zz_tally
WHERE round_id = :round_id AND question = ANY(:criteria::text[]) \g
\g
\g

\timing off
\o
DROP TABLE zz_answer_denorm;
DROP TABLE zz_wide;
DROP TABLE zz_tally;
