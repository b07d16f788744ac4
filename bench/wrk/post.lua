-- wrk script: POST a JSON body to every request.
--
-- Copy of shared/bench/wrk/post.lua with one change: the default Content-Type and Accept
-- are added only when no header of that name was given with -H in ANY letter case. The
-- original checks the exact key "Content-Type", so the lowercase `content-type` printed by
-- `opendrs sign` produced a second Content-Type header, which breaks the AK/SK signature
-- (every signed request answered 401).
--
-- The body comes from a file named by the BODY_FILE environment variable
-- (default: body.json next to this script, resolved relative to the CWD if
-- not found), so the same script serves any endpoint/body combination:
--
--   BODY_FILE=bench/wrk/body.json wrk -t1 -c32 -d10s --latency \
--       -s bench/wrk/post.lua http://127.0.0.1:28080/v3/p1/jobs
--
-- Non-2xx responses are counted by wrk itself ("Non-2xx or 3xx responses").
-- done() additionally prints a one-line machine-readable summary (prefix
-- "CSV,") that bench/wrk/run.sh greps into results files.

local function script_dir()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then
    return src:sub(2):match("(.*/)") or "./"
  end
  return "./"
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local body_file = os.getenv("BODY_FILE") or (script_dir() .. "body.json")
local body = read_file(body_file)
if not body then
  io.stderr:write("post.lua: cannot read body file '" .. body_file .. "'\n")
  os.exit(2)
end
-- strip trailing newline(s) so Content-Length matches what servers parse
body = body:gsub("%s+$", "")

wrk.method = "POST"
wrk.body = body
-- Headers given with wrk -H (e.g. an AWS-style X-Amz-Target / Content-Type)
-- win over these defaults.
local function has_header(name)
  for k, _ in pairs(wrk.headers) do
    if k:lower() == name:lower() then return true end
  end
  return false
end
if not has_header("Content-Type") then
  wrk.headers["Content-Type"] = "application/json"
end
if not has_header("Accept") then
  wrk.headers["Accept"] = "application/json"
end

-- No request() function on purpose: with only wrk.method/body/headers set,
-- wrk pre-formats one static request (Host header included, added by
-- wrk.init) and replays it without calling into Lua per request, which keeps
-- the client as cheap as possible on a 2-core box shared with the server.

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "CSV,requests=%d,seconds=%.2f,rps=%.0f,p50_us=%d,p90_us=%d,p99_us=%d,p999_us=%d,max_us=%d,errors_connect=%d,errors_read=%d,errors_write=%d,errors_status=%d,errors_timeout=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
