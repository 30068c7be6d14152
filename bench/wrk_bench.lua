-- wrk script shared by every run.
--
-- Environment:
--   WRK_JSON    where done() writes the run's figures as JSON (required)
--   WRK_BODIES  optional file prefix: thread t sends the lines of <prefix>.<t>.tsv in order,
--               each "path<TAB>body<TAB>..." as a form POST (see bench/gen_bodies.py).
--               Without it, wrk sends the plain GET given on the command line.
--   WRK_WRAP    "1": start again at line 1 when a thread runs out (baselines only; for
--               sipas a reused sid would be a duplicate, so by default a thread that runs
--               out records it and keeps re-sending its last line, and the run is void).

local json_path = os.getenv("WRK_JSON")
local prefix = os.getenv("WRK_BODIES")
local wrap = os.getenv("WRK_WRAP") == "1"

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state).
sent, s2xx, s303, s3xx, s4xx, s5xx, exhausted = 0, 0, 0, 0, 0, 0, 0
local reqs, n = nil, 0

function init(args)
   if prefix == nil or prefix == "" then return end
   reqs = {}
   local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
   local file = assert(io.open(prefix .. "." .. id .. ".tsv", "r"))
   for line in file:lines() do
      local path, body = string.match(line, "^([^\t]*)\t([^\t]*)")
      n = n + 1
      reqs[n] = wrk.format("POST", path, headers, body)
   end
   file:close()
end

if prefix ~= nil and prefix ~= "" then
   function request()
      if sent >= n then
         exhausted = 1
         if wrap then
            sent = 0
         else
            return reqs[n]
         end
      end
      sent = sent + 1
      return reqs[sent]
   end

   function response(status, headers, body)
      if status == 303 then s303 = s303 + 1
      elseif status < 300 then s2xx = s2xx + 1
      elseif status < 400 then s3xx = s3xx + 1
      elseif status < 500 then s4xx = s4xx + 1
      else s5xx = s5xx + 1 end
   end
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local t = {}
   local per_thread = {}
   local totals = {sent = 0, s2xx = 0, s303 = 0, s3xx = 0, s4xx = 0, s5xx = 0, exhausted = 0}
   for _, thread in ipairs(threads) do
      local row = {id = thread:get("id")}
      for k, _ in pairs(totals) do
         row[k] = thread:get(k) or 0
         totals[k] = totals[k] + row[k]
      end
      table.insert(per_thread, string.format(
         '{"id": %d, "sent": %d, "s303": %d, "exhausted": %d}',
         row.id, row.sent, row.s303, row.exhausted))
   end
   local e = summary.errors
   local out = assert(io.open(json_path, "w"))
   out:write(string.format(
      '{"requests": %d, "duration_s": %.3f, "rps": %.1f, "bytes": %d, ' ..
      '"latency_ms": {"mean": %.2f, "p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f}, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"statuses": {"2xx": %d, "303": %d, "other_3xx": %d, "4xx": %d, "5xx": %d}, ' ..
      '"sent": %d, "exhausted": %d, "threads": [%s]}\n',
      summary.requests, secs, summary.requests / secs, summary.bytes,
      latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      e.connect, e.read, e.write, e.status, e.timeout,
      totals.s2xx, totals.s303, totals.s3xx, totals.s4xx, totals.s5xx,
      totals.sent, totals.exhausted, table.concat(per_thread, ", ")))
   out:close()
end
