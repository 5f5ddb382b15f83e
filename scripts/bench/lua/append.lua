-- wrk script for the append benchmark (scripts/bench/wrk.ts): each wrk thread POSTs its share of
-- pre-signed submissions (every T-th line of the bodies file), one per request, and records when
-- each 201 arrived and the seq it names, so that the time to a covering checkpoint can be worked
-- out per entry. Once its share is sent, a connection sends nothing more (an empty request), so
-- no other request is ever timed; the thread prints a marker when all its answers are in and the
-- harness then stops wrk with SIGINT.
-- Arguments (after --): BODIES_FILE ACKS_PREFIX THREADS (the same number as wrk's -t)
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } lotproof_timespec;
int clock_gettime(int clk_id, lotproof_timespec *tp);
]]
local ts = ffi.new("lotproof_timespec")
local function now_ms()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME, comparable with the log's signedAt times
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local bodies_file, acks_prefix, threads_total = args[1], args[2], tonumber(args[3])
  acks_file = acks_prefix .. id .. ".txt"
  mine = {}
  local n = 0
  for line in io.lines(bodies_file) do
    if n % threads_total == id then table.insert(mine, line) end
    n = n + 1
  end
  headers = { ["content-type"] = "application/json" }
  next_body, got, failed, first, last = 1, 0, 0, 0, 0
  acks = {}
  -- wrk calls request() once on thread 0 before the run, to check it; that call is not sent.
  checked = (id ~= 0)
end

function request()
  if not checked then
    checked = true
    return wrk.format("POST", "/v1/entries", headers, mine[1])
  end
  if next_body > #mine then return "" end
  local body = mine[next_body]
  next_body = next_body + 1
  if first == 0 then first = now_ms() end
  return wrk.format("POST", "/v1/entries", headers, body)
end

function response(status, hdrs, body)
  got = got + 1
  local t = now_ms()
  last = t
  if status == 201 then
    local seq = string.match(body, '"seq":(%d+)')
    table.insert(acks, seq .. " " .. string.format("%.3f", t))
  else
    failed = failed + 1
  end
  if got == #mine then
    local f = io.open(acks_file, "w")
    f:write(table.concat(acks, "\n"), "\n")
    f:close()
    io.write("LOTPROOF-THREAD-DONE\n")
    io.flush()
  end
end

function done(summary, latency, requests)
  local got_all, failed_all, first_all, last_all = 0, 0, 1e18, 0
  for _, t in ipairs(threads) do
    got_all = got_all + t:get("got")
    failed_all = failed_all + t:get("failed")
    local f = t:get("first")
    if f > 0 and f < first_all then first_all = f end
    if t:get("last") > last_all then last_all = t:get("last") end
  end
  io.write(string.format(
    'LOTPROOF-RESULT {"answered":%d,"failed":%d,"firstSentMs":%.3f,"lastAnsweredMs":%.3f,"p50us":%d,"p90us":%d,"p99us":%d,"maxus":%d,"socketErrors":%d}\n',
    got_all, failed_all, first_all, last_all, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write))
end
