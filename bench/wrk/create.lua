-- wrk script: POST .../jobs/batch-creation with JOBS_PER_CALL (default 10) jobs whose names are
-- unique per request, and check every answer.
--
--   RUN_TAG=c4r1 JOBS_PER_CALL=10 wrk -t1 -c4 -d10s --latency -s bench/wrk/create.lua \
--       http://127.0.0.1:28083/v3/PROJECT/jobs/batch-creation
--
-- Names are "<RUN_TAG>-t<thread>-<request>-<item>" (RUN_TAG must start with a letter and differ
-- between runs against the same store; the name must stay 4..50 characters), so no request
-- repeats a name and every item must be created.
--
-- A duplicate name is answered 202 with the item `"status":"failed"`, which wrk would not see
-- as an error, so response() reads every body: it counts answers that are not 202, items
-- `"status":"CREATING"` and items `"status":"failed"`. done() prints them on a line starting
-- with "LC," next to the usual "CSV," line (same fields as bench/wrk/post.lua).
--
-- Authentication is expected to be disabled on the server (OPENDRS_AUTH_DISABLED=true);
-- extra headers can still be given with -H.

local tag = os.getenv("RUN_TAG") or "r"
local per_call = tonumber(os.getenv("JOBS_PER_CALL") or "10")

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

-- per-thread state (each wrk thread has its own Lua state)
counter = 0
not202 = 0
answers = 0
created = 0
failed = 0

local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

local function creation_body(n)
  counter = counter + 1
  local items = {}
  for i = 1, n do
    items[i] = ITEM_HEAD .. string.format("%s-t%d-%d-%d", tag, tid or 0, counter, i) .. ITEM_TAIL
  end
  return '{"jobs":[' .. table.concat(items, ",") .. ']}'
end

request = function()
  return wrk.format("POST", wrk.path, headers, creation_body(per_call))
end

local function count(body, pat)
  local _, n = string.gsub(body, pat, "")
  return n
end

response = function(status, _, body)
  answers = answers + 1
  if status ~= 202 then not202 = not202 + 1 end
  if body then
    created = created + count(body, '"status":"CREATING"')
    failed = failed + count(body, '"status":"failed"')
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
  local a, n2, c, f = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("answers")
    n2 = n2 + t:get("not202")
    c = c + t:get("created")
    f = f + t:get("failed")
  end
  io.write(string.format("LC,kind=create,jobs_per_call=%d,answers=%d,not_202=%d,items_creating=%d,items_failed=%d\n",
    per_call, a, n2, c, f))
end
