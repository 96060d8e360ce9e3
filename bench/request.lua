-- wrk script for the Turnout benchmark. The request comes from the environment so that no key
-- is written to disk: BENCH_METHOD (default GET), BENCH_BODY (JSON), BENCH_TOKEN (Bearer).
-- done() prints the figures in a line-oriented form that bench/wrk.py parses.

wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
   wrk.body = body
   wrk.headers["Content-Type"] = "application/json"
end

local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
   wrk.headers["Authorization"] = "Bearer " .. token
end

done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout))
   io.write(string.format("BENCH_LAT min=%d mean=%.1f max=%d stdev=%.1f\n",
      latency.min, latency.mean, latency.max, latency.stdev))
   for _, p in ipairs({50, 75, 90, 99, 99.9}) do
      io.write(string.format("BENCH_PCT %s %d\n", tostring(p), latency:percentile(p)))
   end
end
