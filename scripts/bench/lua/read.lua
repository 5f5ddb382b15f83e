-- wrk script for the read benchmarks (scripts/bench/wrk.ts): GETs one path with an Accept header,
-- or, for proofs and receipts, a random leaf of the tree per request.
-- Arguments (after --): MODE ARG ACCEPT, where MODE is
--   path       ARG is the path
--   inclusion  ARG is the tree size: /log/proof/inclusion?index=<random>&size=ARG
--   receipt    ARG is the tree size: /log/receipt/<random>
local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  mode, arg, accept = args[1], args[2], args[3]
  size = tonumber(arg)
  headers = {}
  if accept ~= nil and accept ~= "" then headers["accept"] = accept end
  math.randomseed(os.time() + id * 7919)
  fixed = nil
  if mode == "path" then fixed = wrk.format("GET", arg, headers) end
end

function request()
  if fixed then return fixed end
  local i = math.random(0, size - 1)
  if mode == "inclusion" then
    return wrk.format("GET", "/log/proof/inclusion?index=" .. i .. "&size=" .. arg, headers)
  end
  return wrk.format("GET", "/log/receipt/" .. i, headers)
end

function done(summary, latency, requests)
  io.write(string.format(
    'LOTPROOF-RESULT {"requests":%d,"durationUs":%d,"bytes":%d,"non2xx":%d,"socketErrors":%d,"timeouts":%d,"p50us":%d,"p90us":%d,"p99us":%d,"maxus":%d}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
