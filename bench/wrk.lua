-- wrk script: rotate through prepared requests, count non-2xx and GraphQL "errors" answers.
--
--   wrk -t2 -c8 -d10s -s bench/wrk.lua http://127.0.0.1:PORT/graphql -- post lines.txt 2
--
-- args: mode ("post": each line is a JSON body; "get": each line is a request target with its
-- query string), the lines file, the number of threads. Each thread starts at its own offset so
-- threads never send the same request at the same time. done() prints one line:
--   BENCHJSON {...}        requests, latency percentiles (microseconds), error counts

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local mode, file, nthreads = args[1], args[2], tonumber(args[3]) or 1
  local headers = {["Accept"] = "application/graphql-response+json, application/json"}
  if mode == "post" then headers["Content-Type"] = "application/json" end
  requests = {}
  for line in io.lines(file) do
    if #line > 0 then
      if mode == "post" then
        requests[#requests + 1] = wrk.format("POST", nil, headers, line)
      else
        requests[#requests + 1] = wrk.format("GET", line, headers, nil)
      end
    end
  end
  index = math.floor(id * #requests / nthreads)
  non2xx = 0
  gql_errors = 0
  bad = ""
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if bad == "" then bad = status .. " " .. string.sub(body or "", 1, 300) end
  elseif body and string.find(body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
    if bad == "" then bad = status .. " " .. string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local non2xx_total, errors_total, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    errors_total = errors_total + thread:get("gql_errors")
    local b = thread:get("bad")
    if sample == "" and b ~= nil then sample = b end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,"gql_errors":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,'
    .. '"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}\n',
    summary.requests, summary.duration, summary.bytes, non2xx_total, errors_total,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
  if sample ~= "" then
    io.write("BENCHBAD " .. string.gsub(sample, "\n", " ") .. "\n")
  end
end
