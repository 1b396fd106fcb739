-- wrk script of the load bench: authenticated reads of the shop's orders with one 1-row POST every N requests
-- (N = 1: writes only; N = 10: the 90/10 mix). Arguments after `--`: token, N, read path.
-- done() prints one JSON line starting with "SHOP_RESULT " that scripts/bench/load/wrk-script.ts reads.
local token, every, readPath
local counter = 0
local body = '{"user_id":7,"amount":12.5,"status":"new"}'

function init(args)
  token = args[1]
  every = tonumber(args[2])
  readPath = args[3]
end

function request()
  counter = counter + 1
  if counter % every == 0 then
    return wrk.format("POST", "/api/shop/orders", { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", readPath, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SHOP_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
