-- wrk script: POST the body in the file named by $BENCH_BODY, with the headers in $BENCH_HEADERS
-- ("name: value|name: value"), to the path in $BENCH_PATH. Counts non-2xx answers (printed at the end
-- as `non2xx N`, so that a run that only measured errors is caught).
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/"
wrk.headers["content-type"] = "application/json"
for h in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^|]+") do
  local name, value = string.match(h, "^%s*([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  bad = 0
end
function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if bad == 1 then io.stderr:write("first non-2xx: " .. status .. " " .. string.sub(body or "", 1, 300) .. "\n") end
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write(string.format("non2xx %d\n", total))
  io.write(string.format("p50_us %d\np99_us %d\nmean_us %.1f\n", latency:percentile(50), latency:percentile(99), latency.mean))
  io.write(string.format("requests %d\nduration_us %d\n", summary.requests, summary.duration))
end
