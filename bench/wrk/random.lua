-- wrk script: a random list load that no page cache can carry. Every request is
-- POST /v3/{project}/jobs with
--   project      one of the IDs in PROJECTS_FILE (one a line; e.g. 1,000 projects of a store)
--   db_use_type  migration | sync | cloudDataGuard
--   filter       none | status | engine_type (one of the scenario's generated engines) |
--                name (a substring of 3+ characters of the generator's names, see NAMES below)
--   cur_page     1..MAX_PAGE (default 5), per_page 10
-- drawn with math.random, seeded from SEED (default 1) and the thread number, so a run is
-- repeatable and every engine (and ref-axum) gets the same sequence of requests per thread.
--
--   PROJECTS_FILE=bench/out/mixed-projects.txt SEED=1 \
--     wrk -t1 -c32 -d10s --latency -s bench/wrk/random.lua http://127.0.0.1:28081
--
-- Send it unauthenticated (server with OPENDRS_AUTH_DISABLED=true). The URL's path is ignored.
-- response() counts the answers that are not 200 (every request here is a valid query);
-- done() prints the "CSV," line of bench/wrk/post.lua and an "RL," line with the counts of
-- requests by filter kind and of non-200 answers (with the first few bodies that were not 200).

local function read_lines(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local t = {}
  for line in f:lines() do
    line = line:gsub("%s+$", "")
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  return t
end

local projects_file = os.getenv("PROJECTS_FILE")
local projects = projects_file and read_lines(projects_file)
if not projects or #projects == 0 then
  io.stderr:write("random.lua: cannot read PROJECTS_FILE '" .. tostring(projects_file) .. "'\n")
  os.exit(2)
end
local seed = tonumber(os.getenv("SEED") or "1")
local max_page = tonumber(os.getenv("MAX_PAGE") or "5")

local SCENARIOS = { "migration", "sync", "cloudDataGuard" }
-- The statuses the generator writes most (crates/opendrs-store/src/generate.rs), plus a rare one.
local STATUSES = { "INCRE_TRANSFER_STARTED", "CONFIGURATION", "RELEASE_RESOURCE_COMPLETE",
  "FULL_TRANSFER_STARTED", "FULL_TRANSFER_COMPLETE", "PAUSING", "INCRE_TRANSFER_FAILED",
  "CREATING", "CHILD_TRANSFER_STARTED" }
-- engines(db_use_type) of the generator, per scenario.
local ENGINES = {
  migration = { "mysql", "mongodb", "postgresql", "gaussdbv5", "mysql-to-taurus",
    "oracle-to-gaussdbv5", "redis-to-gaussredis" },
  sync = { "mysql", "mysql-to-kafka", "taurus-to-kafka", "gaussdbv5ha-to-kafka", "postgresql",
    "gaussdbv5-to-oracle", "oracle-to-gaussdbv5ha", "gaussdbv5-to-kafka" },
  cloudDataGuard = { "cloudDataGuard-mysql", "cloudDataGuard-cassandra", "cloudDataGuard-ddm",
    "cloudDataGuard-taurus-to-mysql", "cloudDataGuard-mysql-to-taurus" },
}
-- Name needles: the generator's WORDS, substrings of them, and pieces of its name patterns
-- ("DRS-0042-orders", "mysql-orders-17", "migration_orders_cn-north-4", "Prod-orders-042",
-- "迁移任务-orders-7").
local NAMES = { "orders", "payments", "inventory", "users", "billing", "catalog", "analytics",
  "crm", "erp", "ledger", "sessions", "events", "audit", "reports", "shipping", "loyalty",
  "search", "iot", "pay", "ment", "vent", "ship", "ana", "port", "sess", "DRS-", "DRS-00",
  "Prod-", "test-", "dev", "mysql-", "kafka", "sync_", "migration_", "cn-north", "east",
  "迁移任务", "orders-1", "billing_cn" }
local KINDS = { "none", "status", "engine", "name" }

local threads = {}
local next_id = 0
setup = function(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

-- per-thread state
n_none, n_status, n_engine, n_name = 0, 0, 0, 0
answers, not200 = 0, 0
bad = ""
local last_body = ""

init = function(args)
  math.randomseed(seed * 7919 + (tid or 1))
end

local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

local function pick(t) return t[math.random(#t)] end

request = function()
  local project = pick(projects)
  local s = pick(SCENARIOS)
  local kind = pick(KINDS)
  local extra = ""
  if kind == "status" then
    n_status = n_status + 1
    extra = ',"status":"' .. pick(STATUSES) .. '"'
  elseif kind == "engine" then
    n_engine = n_engine + 1
    extra = ',"engine_type":"' .. pick(ENGINES[s]) .. '"'
  elseif kind == "name" then
    n_name = n_name + 1
    extra = ',"name":"' .. pick(NAMES) .. '"'
  else
    n_none = n_none + 1
  end
  last_body = string.format('{"cur_page":%d,"per_page":10,"db_use_type":"%s"%s}',
    math.random(max_page), s, extra)
  return wrk.format("POST", "/v3/" .. project .. "/jobs", headers, last_body)
end

response = function(status, _, body)
  answers = answers + 1
  if status ~= 200 then
    not200 = not200 + 1
    if #bad < 600 then
      bad = bad .. string.format(" [%d %s -> %s]", status, last_body, (body or ""):sub(1, 160))
    end
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
  local t = { n_none = 0, n_status = 0, n_engine = 0, n_name = 0, answers = 0, not200 = 0 }
  local b = ""
  for _, th in ipairs(threads) do
    for k, v in pairs(t) do t[k] = v + th:get(k) end
    b = b .. (th:get("bad") or "")
  end
  io.write(string.format("RL,projects=%d,none=%d,status=%d,engine=%d,name=%d,answers=%d,not_200=%d\n",
    #projects, t.n_none, t.n_status, t.n_engine, t.n_name, t.answers, t.not200))
  if b ~= "" then io.write("RL_BAD," .. b .. "\n") end
end
