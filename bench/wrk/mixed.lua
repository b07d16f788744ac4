-- wrk script: a mixed load on one server. Of every 10 requests a connection's thread sends,
-- 9 are the list request (POST to the URL given to wrk, body from BODY_FILE, as
-- bench/wrk/post.lua) and 1 is a batch-creation of 1..10 jobs (cycling 1, 2, ..., 10, so 5.5 on
-- average) sent to WRITE_PATH (e.g. /v3/OTHER_PROJECT/jobs/batch-creation). With WRITE_EVERY=0
-- every request is the list request (the read-only load of the same shape: same script, same
-- per-request Lua cost).
--
--   BODY_FILE=bench/bodies/page.json WRITE_PATH=/v3/P2/jobs/batch-creation RUN_TAG=m1 \
--     wrk -t1 -c16 -d10s --latency -s bench/wrk/mixed.lua http://127.0.0.1:28083/v3/P1/jobs
--
-- Job names are "<RUN_TAG>-t<thread>-<write>-<item>", unique per write (RUN_TAG must start with
-- a letter and differ between runs against the same store).
--
-- wrk's latency histogram covers all requests together and Lua cannot see per-request latency,
-- so the list latency during this load is measured by a separate client (bench/lifecycle.sh).
-- response() checks the answers: list answers must be 200, write answers 202 with every item
-- "CREATING" (a duplicate name would be a 202 with an item "failed"). done() prints the "CSV,"
-- line of bench/wrk/post.lua and an "LC," line with the counts.

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local body_file = os.getenv("BODY_FILE")
local list_body = body_file and read_file(body_file)
if not list_body then
  io.stderr:write("mixed.lua: cannot read BODY_FILE '" .. tostring(body_file) .. "'\n")
  os.exit(2)
end
list_body = list_body:gsub("%s+$", "")

local write_path = os.getenv("WRITE_PATH") or ""
local write_every = tonumber(os.getenv("WRITE_EVERY") or "10")
local tag = os.getenv("RUN_TAG") or "m"
if write_every > 0 and write_path == "" then
  io.stderr:write("mixed.lua: WRITE_PATH is required when WRITE_EVERY > 0\n")
  os.exit(2)
end

local ITEM_HEAD = '{"name":"'
local ITEM_TAIL = '","db_use_type":"migration","engine_type":"mysql","job_direction":"up",'
  .. '"net_type":"vpc","node_type":"high","task_type":"FULL_INCR_TRANS",'
  .. '"customize_sutnet_id":"b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001",'
  .. '"source_endpoint":{"db_type":"mysql","ip":"10.1.0.5","db_port":3306,"db_user":"root"},'
  .. '"target_endpoint":{"db_type":"mysql","inst_id":"rds-target-1"},'
  .. '"description":"bench"}'

local threads = {}
local next_id = 0
setup = function(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

-- per-thread state
sent = 0
writes_sent = 0
jobs_sent = 0
list_answers = 0
list_not200 = 0
write_answers = 0
write_not202 = 0
created = 0
failed = 0

local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

request = function()
  sent = sent + 1
  if write_every > 0 and sent % write_every == 0 then
    writes_sent = writes_sent + 1
    local n = (writes_sent - 1) % 10 + 1
    jobs_sent = jobs_sent + n
    local items = {}
    for i = 1, n do
      items[i] = ITEM_HEAD .. string.format("%s-t%d-%d-%d", tag, tid or 0, writes_sent, i) .. ITEM_TAIL
    end
    return wrk.format("POST", write_path, headers, '{"jobs":[' .. table.concat(items, ",") .. ']}')
  end
  return wrk.format("POST", wrk.path, headers, list_body)
end

local function count(body, pat)
  local _, n = string.gsub(body, pat, "")
  return n
end

response = function(status, _, body)
  -- A write answer is {"results":[...],"count":N}; a list answer is {"total_record":..,"jobs":..}.
  if body and body:sub(1, 11) == '{"results":' then
    write_answers = write_answers + 1
    if status ~= 202 then write_not202 = write_not202 + 1 end
    created = created + count(body, '"status":"CREATING"')
    failed = failed + count(body, '"status":"failed"')
  else
    list_answers = list_answers + 1
    if status ~= 200 then list_not200 = list_not200 + 1 end
  end
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "CSV,requests=%d,seconds=%.2f,rps=%.0f,p50_us=%d,p90_us=%d,p99_us=%d,p999_us=%d,max_us=%d,errors_connect=%d,errors_read=%d,errors_write=%d,errors_status=%d,errors_timeout=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
  local t = { sent = 0, writes_sent = 0, jobs_sent = 0, list_answers = 0, list_not200 = 0,
    write_answers = 0, write_not202 = 0, created = 0, failed = 0 }
  for _, th in ipairs(threads) do
    for k, v in pairs(t) do t[k] = v + th:get(k) end
  end
  io.write(string.format(
    "LC,kind=mixed,write_every=%d,sent=%d,writes_sent=%d,jobs_sent=%d,list_answers=%d,list_not_200=%d,write_answers=%d,write_not_202=%d,items_creating=%d,items_failed=%d\n",
    write_every, t.sent, t.writes_sent, t.jobs_sent, t.list_answers, t.list_not200,
    t.write_answers, t.write_not202, t.created, t.failed))
end
