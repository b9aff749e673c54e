-- One `python -m bench` scenario for wrk: `wrk ... -s scenario.lua <url> -- MODE METHOD
-- EXPECTED THREADS [REQUESTS]`.
--   MODE      "cycle": rotate through the requests until wrk's duration ends;
--             "once": send each request once (threads take every THREADS-th line); the last
--             thread to finish interrupts wrk (SIGINT, as Ctrl+C) and the duration reported
--             is from the first request to the last answer.
--   METHOD    GET or POST; EXPECTED the status every answer should have.
--   REQUESTS  a file of requests, one a line (bench/wrk.py writes it): tab-separated fields,
--             each a header (`Name: value`, e.g. `Authorization: Bearer <token>`) but the
--             last, the body (empty for none). Without the file, every request is the same
--             one, bodiless.
-- Requests are formatted once, in init(); done() prints one line, "BENCH {json}", that
-- bench/wrk.py reads.

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
  int getpid(void);
  int kill(int pid, int signal);
]])
local CLOCK_MONOTONIC, SIGINT, MAX_THREADS = 1, 2, 256

local function now_us()
  local now = ffi.new("bench_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
  return tonumber(now.tv_sec) * 1000000 + tonumber(now.tv_nsec) / 1000
end

local threads = {}
-- One flag per thread, set when it has sent all its requests: C memory every thread sees.
local finished_flags = ffi.new("int[?]", MAX_THREADS)

function setup(thread)
  thread:set("id", #threads)
  thread:set("flags", tonumber(ffi.cast("intptr_t", finished_flags)))
  threads[#threads + 1] = thread
end

local function finish_thread()
  finishedUs = now_us()
  wrk.thread:stop()
  local all = ffi.cast("volatile int *", flags)
  all[id] = 1
  for other = 0, step - 1 do
    if all[other] == 0 then
      return
    end
  end
  ffi.C.kill(ffi.C.getpid(), SIGINT)
end

local function formatted(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    fields[#fields + 1] = field
  end
  local body = table.remove(fields)
  local headers = {}
  for _, field in ipairs(fields) do
    local name, value = field:match("^([^:]+): (.*)$")
    headers[name] = value
  end
  return wrk.format(method, nil, headers, body ~= "" and body or nil)
end

function init(args)
  mode, method, expected, step = args[1], args[2], tonumber(args[3]), tonumber(args[4])
  requests = {}
  if args[5] then
    local line_number = 0
    for line in io.lines(args[5]) do
      if line_number % step == id then
        requests[#requests + 1] = formatted(line)
      end
      line_number = line_number + 1
    end
  else
    requests[1] = wrk.format(method)
  end
  nextRequest, answered, good, unexpected = 1, 0, 0, {}
  firstUs, finishedUs = 0, 0
end

function request()
  if firstUs == 0 then
    firstUs = now_us()
  end
  local formatted_request = requests[nextRequest]
  nextRequest = nextRequest % #requests + 1
  return formatted_request
end

function response(status, _, _)
  answered = answered + 1
  if status == expected then
    good = good + 1
  else
    local key = tostring(status)
    unexpected[key] = (unexpected[key] or 0) + 1
  end
  if mode == "once" and answered == #requests then
    finish_thread()
  end
end

local function json_counts(counts)
  local parts = {}
  for key, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%s": %d', key, n)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, _)
  local good_total, unexpected_total, first, last = 0, {}, math.huge, 0
  for _, thread in ipairs(threads) do
    good_total = good_total + thread:get("good")
    first = math.min(first, thread:get("firstUs"))
    last = math.max(last, thread:get("finishedUs"))
    for key, n in pairs(thread:get("unexpected")) do
      unexpected_total[key] = (unexpected_total[key] or 0) + n
    end
  end
  local errors, duration = summary.errors, summary.duration
  if mode == "once" and last > first then
    duration = last - first
  end
  io.write(string.format(
    'BENCH {"requests": %d, "durationUs": %d, "expected": %d, "unexpected": %s, '
      .. '"socketErrors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"latencyUs": {"p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, duration, good_total, json_counts(unexpected_total),
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
