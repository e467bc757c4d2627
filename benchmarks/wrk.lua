-- wrk script: optional token/body rotation (checkout), and a JSON summary on stdout's last line.
-- Environment: BENCH_TOKENS (file with one token per line), BENCH_BODIES (file with one JSON body per line),
-- BENCH_METHOD (GET or POST), BENCH_TOKEN (one token for every request).
local tokens, bodies, counter = {}, {}, 0
local method = os.getenv("BENCH_METHOD") or "GET"
local single = os.getenv("BENCH_TOKEN")

local function lines(name)
  local out = {}
  if name then for line in io.lines(name) do if #line > 0 then table.insert(out, line) end end end
  return out
end

function init(args)
  tokens = lines(os.getenv("BENCH_TOKENS"))
  bodies = lines(os.getenv("BENCH_BODIES"))
  counter = math.random(1, 1000000)
end

function request()
  counter = counter + 1
  local headers = {["Accept"] = "application/json"}
  local body = nil
  if #tokens > 0 then headers["Authorization"] = "Token " .. tokens[(counter % #tokens) + 1]
  elseif single then headers["Authorization"] = "Token " .. single end
  if #bodies > 0 then
    body = bodies[(counter % #bodies) + 1]
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nJSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
