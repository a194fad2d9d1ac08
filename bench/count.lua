-- wrk script for bench/compare: every request carries the same browser
-- headers (so the combined line has a Referer and a User-Agent), requests
-- are sent for SPOOR_BENCH_WINDOW seconds only, and the connections then
-- go quiet (an empty "request" is written, so nothing is in flight) until
-- wrk's duration ends. At the end no request is in flight, so the number of
-- completed responses must equal the number of log lines exactly.
--
-- Load shapes, from the environment: SPOOR_BENCH_CLOSE=1 sends
-- "Connection: close" (one request per connection: wrk reconnects after
-- each response), SPOOR_BENCH_PIPELINE=N writes N requests at once on
-- each connection and waits for their N responses (wrk learns the depth
-- from the first request() call, so it stays fixed for the run).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } spoor_bench_ts;
int clock_gettime(int clk, spoor_bench_ts *tp);
]]
local ts = ffi.new("spoor_bench_ts")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local window = tonumber(os.getenv("SPOOR_BENCH_WINDOW") or "5")
local close = os.getenv("SPOOR_BENCH_CLOSE") == "1"
local depth = tonumber(os.getenv("SPOOR_BENCH_PIPELINE") or "1")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  stop_at = now() + window
  wrk.headers["User-Agent"] =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
  wrk.headers["Referer"] = "http://bench.test/index.html"
  if close then
    wrk.headers["Connection"] = "close"
  end
  req = string.rep(wrk.format(), depth)
end

function request()
  if now() >= stop_at then
    return ""
  end
  sent = sent + depth
  return req
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("sent")
  end
  local e = summary.errors
  io.write(string.format(
    'SPOOR_BENCH {"requests":%d,"sent":%d,"depth":%d,"window":%s,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, total, depth, window, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
