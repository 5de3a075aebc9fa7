-- wrk script of the load benchmark (scripts/bench). Configured by the environment:
-- The URL given to wrk may hold `{}`, replaced by the next line of BENCH_LIST (rotating).
--   BENCH_LIST     a file with one value per line (candidate ids, consent tokens, API keys)
--   BENCH_COOKIE   a Cookie header (the staff member's session)
--   BENCH_BEARER   1: the BENCH_LIST value is sent as `Authorization: Bearer`, not in the path
--   BENCH_SIGNIN   a sign-in form body with `{}` for the account number (POST /fn/sign_in)
--   BENCH_ORIGIN   the portal's origin (the CSRF check of form posts)
--   BENCH_SEED     a number that differs between runs
-- Every request carries `X-Forwarded-For` with its own address from 198.18.0.0/15 (RFC 2544's
-- benchmarking range): the portal trusts 127.0.0.1 as its reverse proxy (CANDOR_TRUSTED_PROXIES),
-- so per-address rate limits count each simulated client apart, as behind a real proxy.
-- `done` prints one line: RESULT <requests/s> <p50 ms> <p99 ms> <errors> <requests>.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  path = wrk.path
  cookie = os.getenv("BENCH_COOKIE")
  bearer = os.getenv("BENCH_BEARER") == "1"
  signin = os.getenv("BENCH_SIGNIN")
  origin = os.getenv("BENCH_ORIGIN")
  accounts = tonumber(os.getenv("BENCH_ACCOUNTS") or "1")
  local seed = tonumber(os.getenv("BENCH_SEED") or "0")
  values = {}
  local list = os.getenv("BENCH_LIST")
  if list then
    for line in io.lines(list) do
      if line ~= "" then table.insert(values, line) end
    end
  end
  -- Threads take disjoint slices of the address and account space.
  counter = seed + id * 50021
end

local function forwarded(n)
  n = n % 131072
  return string.format("198.%d.%d.%d", 18 + math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
end

function request()
  counter = counter + 1
  local headers = { ["X-Forwarded-For"] = forwarded(counter) }
  if cookie then headers["Cookie"] = cookie end
  local value = ""
  if #values > 0 then value = values[(counter % #values) + 1] end
  if signin then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Accept"] = "application/json"
    headers["Origin"] = origin
    local body = signin:gsub("{}", string.format("%04d", counter % accounts))
    return wrk.format("POST", path, headers, body)
  end
  if bearer then
    headers["Authorization"] = "Bearer " .. value
    return wrk.format("GET", path, headers)
  end
  return wrk.format("GET", (path:gsub("{}", value)), headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, summary.requests))
end
