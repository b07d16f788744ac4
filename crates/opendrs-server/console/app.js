// The OpenDRS console: sign-in, the task lists per scenario, a task's detail and its operations.
// Plain ES modules, no build step. The view is a function of the URL hash, so every view can be
// bookmarked; the token lives in sessionStorage only.

import { api, ApiError, clearSession, session, setApiLanguage, signIn, whenSignedOut } from "./api.js";
import {
  ALL_STATUSES,
  GROUPS,
  TRANSIENT,
  currentLang,
  groupOf,
  saveLang,
  statusLabel,
  t,
} from "./i18n.js";

const SCENARIOS = ["migration", "sync", "cloudDataGuard"];
const ENGINES = [
  "mysql", "mongodb", "postgresql", "gaussdbv5", "mysql-to-kafka", "taurus-to-kafka", "gaussdbv5ha-to-kafka",
  "oracle-to-gaussdbv5", "oracle-to-gaussdbv5ha", "gaussdbv5-to-oracle", "gaussdbv5ha-to-oracle",
  "gaussdbv5-to-kafka", "mysql-to-taurus", "redis-to-gaussredis", "rediscluster-to-gaussredis",
  "cloudDataGuard-mysql", "cloudDataGuard-cassandra", "cloudDataGuard-ddm", "cloudDataGuard-taurus-to-mysql",
  "cloudDataGuard-mysql-to-taurus",
];
const NETWORKS = ["eip", "vpc", "vpn"];
const PAGE_SIZES = [10, 20, 50, 100];
const REFRESH_MS = 2500;

const root = document.getElementById("app");
let refreshTimer = null;
let signInNotice = "";
let flash = null; // {text, error}
let lastListHash = "#/list?scenario=migration";

// ---------- small helpers ----------

/** An element: h("button", {class: "x", onclick: f}, "text", child…). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/list";
  const [path, query] = raw.split("?");
  return { path, params: new URLSearchParams(query || "") };
}

function go(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== undefined && v !== null) q.set(k, v);
  const hash = `#${path}${q.toString() ? "?" + q : ""}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

/** Epoch ms (number or string) or ISO text, as YYYY-MM-DD HH:mm:ss GMT±hh:mm in the viewer's zone. */
function formatTime(v) {
  if (v === undefined || v === null || v === "") return t("none");
  const n = Number(v);
  const d = Number.isFinite(n) && String(v).trim() !== "" ? new Date(n) : new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const p = (x) => String(x).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const zone = `GMT${sign}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`;
}

function timeValue(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : Date.parse(v) || 0;
}

function badge(status, scenario) {
  return h("span", { class: `badge badge-${groupOf(status)}`, "data-status": status }, statusLabel(status, scenario));
}

function directionLabel(dir, scenario) {
  if (scenario === "cloudDataGuard" && (dir === "up" || dir === "down")) return t(dir === "up" ? "drUp" : "drDown");
  return t(dir);
}

function canWrite() {
  const s = session();
  return !!s && s.roles.includes("drs_admin");
}

function setFlash(text, error = false) {
  flash = { text, error };
  const el = document.getElementById("flash");
  if (el) {
    el.textContent = text;
    el.className = error ? "flash flash-error" : "flash flash-ok";
  }
}

function errorText(e) {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

function stopRefresh() {
  if (refreshTimer) clearTimeout(refreshTimer);
  refreshTimer = null;
}

/** Parses "k=v, k2=v2" into {k: "v", k2: "v2"}. */
function parseTags(text) {
  const tags = {};
  for (const part of text.split(",")) {
    const item = part.trim();
    if (!item) continue;
    const i = item.indexOf("=");
    if (i < 0) tags[item] = "";
    else tags[item.slice(0, i).trim()] = item.slice(i + 1).trim();
  }
  return tags;
}

// ---------- dialogs ----------

/** A modal dialog; resolves with the form's values on OK, null on cancel. */
function dialog({ title, body = [], okLabel = t("confirm"), danger = false, testid = "dialog" }) {
  return new Promise((resolve) => {
    const form = h("form", { method: "dialog", class: "dialog-form" });
    const dlg = h("dialog", { class: "dialog", "data-testid": testid, "aria-labelledby": "dialog-title" }, form);
    const finish = (value) => {
      dlg.close();
      dlg.remove();
      resolve(value);
    };
    form.append(
      h("h2", { id: "dialog-title" }, title),
      ...body,
      h(
        "div",
        { class: "dialog-buttons" },
        h("button", { type: "button", class: "btn", "data-testid": "dialog-cancel", onclick: () => finish(null) }, t("cancel")),
        h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary", "data-testid": "dialog-ok" }, okLabel),
      ),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      finish(Object.fromEntries(new FormData(form).entries()));
    });
    dlg.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      finish(null);
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

function field(label, input) {
  return h("label", { class: "field" }, h("span", {}, label), input);
}

// ---------- operations ----------

const OPS = {
  START: { label: "start", danger: false },
  PAUSE: { label: "pause", danger: false },
  CONTINUE_JOB: { label: "resume", danger: false },
  RETRY: { label: "retry", danger: false },
  STOP_JOB: { label: "stop", danger: true },
  DELETE: { label: "delete", danger: true },
};

/** Runs one operation on a job, asking first where it must; reports the per-item answer. */
async function runOperation(action, job, after) {
  const op = OPS[action];
  const name = job.name || job.id;
  let call;
  if (action === "START") {
    const when = h("input", { type: "datetime-local", name: "at", "data-testid": "start-at" });
    const values = await dialog({
      title: t("startTitle", { name }),
      okLabel: t("start"),
      testid: "start-dialog",
      body: [
        h("fieldset", { class: "radios" },
          h("label", {}, h("input", { type: "radio", name: "mode", value: "now", checked: true, "data-testid": "start-now" }), " ", t("startNow")),
          h("label", {}, h("input", { type: "radio", name: "mode", value: "at", "data-testid": "start-later" }), " ", t("startAt")),
          when),
      ],
    });
    if (!values) return;
    const at = values.mode === "at" && values.at ? new Date(values.at).getTime() : null;
    call = () => api.start(job.id, at);
  } else {
    const question = { PAUSE: "pauseConfirm", STOP_JOB: "stopConfirm", DELETE: "deleteConfirm" }[action];
    if (question) {
      const ok = await dialog({ title: t(question, { name }), okLabel: t(op.label), danger: op.danger, testid: "confirm-dialog" });
      if (!ok) return;
    }
    call = {
      PAUSE: () => api.pause(job.id),
      CONTINUE_JOB: () => api.retry(job.id),
      RETRY: () => api.retry(job.id),
      STOP_JOB: () => api.remove(job.id, "terminate"),
      DELETE: () => api.remove(job.id, "delete"),
    }[action];
  }
  await report(t(op.label), name, call);
  if (after) after();
}

/** Calls a batch API for one item and says in words how it went. */
async function report(opLabel, name, call) {
  try {
    const answer = await call();
    const item = answer && Array.isArray(answer.results) ? answer.results[0] : null;
    if (item && item.status === "failed") {
      setFlash(t("refused", { op: opLabel, msg: item.error_msg || item.error_code }), true);
      return false;
    }
    setFlash(t("done", { op: opLabel, name }));
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return false;
    setFlash(t("refused", { op: opLabel, msg: errorText(e) }), true);
    return false;
  }
}

function operationButtons(job, after) {
  if (!canWrite()) return [];
  const available = (job.job_action && job.job_action.available_actions) || [];
  return available
    .filter((a) => OPS[a])
    .map((a) =>
      h("button", {
        type: "button",
        class: OPS[a].danger ? "btn btn-small btn-danger-text" : "btn btn-small",
        "data-testid": `op-${a}`,
        "data-job": job.id,
        onclick: () => runOperation(a, job, after),
      }, t(OPS[a].label)),
    );
}

// ---------- layout ----------

function header() {
  const s = session();
  const langBtn = h("button", {
    type: "button", class: "btn btn-ghost", "data-testid": "language", "aria-label": t("languageName"),
    lang: currentLang() === "zh" ? "en" : "zh",
    onclick: () => {
      saveLang(currentLang() === "zh" ? "en" : "zh");
      applyLanguage();
      render();
    },
  }, t("language"));
  const parts = [h("a", { class: "brand", href: "#/list" }, "OpenDRS")];
  if (s) {
    const select = h("select", { "data-testid": "project", "aria-label": t("projectLabel") },
      h("option", { value: s.project, selected: true }, s.projectName));
    api.projects().then((answer) => {
      for (const p of answer.projects || []) {
        if (p.id !== s.project) select.append(h("option", { value: p.id }, p.name));
      }
    }).catch(() => {});
    select.addEventListener("change", async () => {
      const target = select.value;
      const label = select.selectedOptions[0] ? select.selectedOptions[0].textContent : target;
      select.value = s.project;
      const values = await dialog({
        title: t("switchProject", { name: label }),
        okLabel: t("signIn"),
        testid: "switch-dialog",
        body: [h("p", {}, t("switchHint")),
          field(t("password"), h("input", { type: "password", name: "password", required: true, autocomplete: "current-password" }))],
      });
      if (!values) return;
      try {
        await signIn({ domain: s.domain, user: s.user, password: values.password, project: target });
        go("/list", { scenario: "migration" });
      } catch (e) {
        setFlash(t("errorPrefix", { msg: errorText(e) }), true);
      }
    });
    parts.push(
      h("label", { class: "project" }, h("span", { class: "muted" }, t("projectLabel")), select),
      h("span", { class: "spacer" }),
      h("span", { class: "who", "data-testid": "who" }, `${s.domain} / ${s.user}`,
        canWrite() ? null : h("span", { class: "tag-readonly", "data-testid": "read-only" }, t("readOnly"))),
    );
  } else {
    parts.push(h("span", { class: "spacer" }));
  }
  parts.push(langBtn);
  if (s) {
    parts.push(h("button", {
      type: "button", class: "btn btn-ghost", "data-testid": "sign-out",
      onclick: () => { clearSession(); signInNotice = ""; go("/signin"); },
    }, t("signOut")));
  }
  return h("header", { class: "topbar" }, parts);
}

function page(...content) {
  root.replaceChildren(
    header(),
    h("main", { id: "main" },
      h("div", { id: "flash", role: "status", "aria-live": "polite", "data-testid": "flash",
        class: flash ? (flash.error ? "flash flash-error" : "flash flash-ok") : "flash" }, flash ? flash.text : ""),
      content),
  );
}

function applyLanguage() {
  const lang = currentLang();
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  setApiLanguage(lang === "zh" ? "zh-cn" : "en-us");
}

// ---------- sign-in ----------

function renderSignIn() {
  stopRefresh();
  const remembered = JSON.parse(localStorage.getItem("opendrs.signin") || "{}");
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "signin-error" });
  const form = h("form", { class: "card signin", "data-testid": "signin-form" },
    h("h1", { tabindex: "-1" }, t("signIn")),
    signInNotice ? h("p", { class: "notice", "data-testid": "signin-notice" }, signInNotice) : null,
    field(t("account"), h("input", { name: "domain", required: true, autocomplete: "organization", value: remembered.domain || "" })),
    field(t("user"), h("input", { name: "user", required: true, autocomplete: "username", value: remembered.user || "" })),
    field(t("password"), h("input", { name: "password", type: "password", required: true, autocomplete: "current-password" })),
    field(t("project"), h("input", { name: "project", required: true, value: remembered.project || "" })),
    error,
    h("button", { type: "submit", class: "btn btn-primary", "data-testid": "signin-submit" }, t("signIn")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const v = Object.fromEntries(new FormData(form).entries());
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = t("signingIn");
    try {
      await signIn(v);
      localStorage.setItem("opendrs.signin", JSON.stringify({ domain: v.domain, user: v.user, project: v.project }));
      signInNotice = "";
      flash = null;
      if (location.hash === lastListHash) render();
      else location.hash = lastListHash;
    } catch (e) {
      error.textContent = errorText(e);
      button.disabled = false;
      button.textContent = t("signIn");
    }
  });
  page(form);
  const first = form.querySelector("input:not([value]), input[value='']") || form.querySelector("input[name=password]");
  if (first) first.focus();
}

// ---------- the task list ----------

function listParams(params) {
  const scenario = SCENARIOS.includes(params.get("scenario")) ? params.get("scenario") : "migration";
  const size = PAGE_SIZES.includes(Number(params.get("size"))) ? Number(params.get("size")) : 10;
  const pageNo = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
  return {
    scenario,
    status: params.get("status") || "",
    engine: params.get("engine") || "",
    net: params.get("net") || "",
    q: params.get("q") || "",
    ep: params.get("ep") || "",
    tags: params.get("tags") || "",
    page: pageNo,
    size,
  };
}

/** One page of the list. A status group is one request per status (the API takes one status),
 *  merged newest first: each asks for the first page×size jobs, or every match past 100. */
async function fetchList(p) {
  const base = { db_use_type: p.scenario };
  if (p.engine) base.engine_type = p.engine;
  if (p.net) base.net_type = p.net;
  if (p.q) base.name = p.q;
  if (p.ep) base.enterprise_project_id = p.ep;
  if (p.tags) base.tags = parseTags(p.tags);
  const statuses = p.status.startsWith("g:") ? GROUPS[p.status.slice(2)] || [] : p.status ? [p.status] : [];
  if (statuses.length <= 1) {
    const q = { ...base, cur_page: p.page, per_page: p.size };
    if (statuses.length) q.status = statuses[0];
    return api.list(q);
  }
  const need = p.page * p.size;
  let answers;
  if (need <= 100) {
    answers = await Promise.all(statuses.map((s) => api.list({ ...base, status: s, cur_page: 1, per_page: need })));
  } else {
    answers = [];
    for (const s of statuses) answers.push(await api.list({ ...base, status: s, cur_page: 0 }));
  }
  const jobs = answers.flatMap((a) => a.jobs || []);
  jobs.sort((a, b) => timeValue(b.create_time) - timeValue(a.create_time) || (a.id < b.id ? 1 : -1));
  return {
    total_record: answers.reduce((n, a) => n + (a.total_record || 0), 0),
    jobs: jobs.slice((p.page - 1) * p.size, p.page * p.size),
  };
}

function statusSelect(value) {
  return h("select", { name: "status", "data-testid": "filter-status" },
    h("option", { value: "" }, t("allStatuses")),
    h("optgroup", { label: t("groups") },
      Object.keys(GROUPS).map((g) => h("option", { value: `g:${g}`, selected: value === `g:${g}` }, t(`g_${g}`)))),
    h("optgroup", { label: t("single") },
      ALL_STATUSES.map((s) => h("option", { value: s, selected: value === s }, statusLabel(s)))),
  );
}

function renderList(params) {
  const p = listParams(params);
  lastListHash = location.hash || "#/list";
  const tabs = h("nav", { class: "tabs", "aria-label": t("scenarios") },
    SCENARIOS.map((s) => h("a", {
      href: `#/list?scenario=${s}`, class: s === p.scenario ? "tab active" : "tab",
      "aria-current": s === p.scenario ? "page" : null, "data-testid": `tab-${s}`,
    }, t(s))));

  const filters = h("form", { class: "filters", "data-testid": "filters", "aria-label": t("filters") },
    field(t("status"), statusSelect(p.status)),
    field(t("engine"), h("select", { name: "engine", "data-testid": "filter-engine" },
      h("option", { value: "" }, t("allEngines")),
      ENGINES.map((e) => h("option", { value: e, selected: p.engine === e }, e)))),
    field(t("network"), h("select", { name: "net", "data-testid": "filter-net" },
      h("option", { value: "" }, t("allNetworks")),
      NETWORKS.map((n) => h("option", { value: n, selected: p.net === n }, t(n))))),
    field(t("search"), h("input", { name: "q", type: "search", value: p.q, placeholder: t("searchHint"), "data-testid": "filter-q" })),
    field(t("enterpriseProject"), h("input", { name: "ep", value: p.ep, "data-testid": "filter-ep" })),
    field(t("tags"), h("input", { name: "tags", value: p.tags, placeholder: t("tagsHint"), "data-testid": "filter-tags" })),
    h("div", { class: "filter-buttons" },
      h("button", { type: "submit", class: "btn btn-primary", "data-testid": "filter-apply" }, t("apply")),
      h("button", { type: "button", class: "btn", "data-testid": "filter-reset", onclick: () => go("/list", { scenario: p.scenario }) }, t("reset")),
      h("button", { type: "button", class: "btn", "data-testid": "refresh", onclick: () => { shown = null; load(); } }, t("refresh"))),
  );
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = Object.fromEntries(new FormData(filters).entries());
    go("/list", { scenario: p.scenario, ...v, page: 1, size: p.size });
  });

  const summary = h("div", { class: "summary" });
  const tableWrap = h("div", { class: "table-wrap", "data-testid": "task-table", "aria-busy": "true" }, h("p", { class: "muted" }, t("loading")));
  const pager = h("nav", { class: "pager", "aria-label": t("pagination"), "data-testid": "pager" });

  page(h("h1", { tabindex: "-1", class: "visually-hidden" }, t(p.scenario)), tabs, filters, summary, tableWrap, pager);

  const columns = [t("nameId"), t("status"), t("engineDirection"), t("networkType"), t("taskMode"), t("created"), t("description"), canWrite() ? t("operation") : null].filter(Boolean);

  function row(job) {
    const detailHref = `#/task?${new URLSearchParams({ id: job.id, scenario: p.scenario })}`;
    const children = job.children || [];
    const cells = [
      h("td", { "data-label": t("nameId") },
        h("a", { href: detailHref, class: "job-name", "data-testid": "job-link" }, job.name),
        h("div", { class: "muted mono" }, job.id),
        children.length ? h("div", { class: "muted" }, t("subtasks", { n: children.length })) : null),
      h("td", { "data-label": t("status") }, badge(job.status, p.scenario),
        job.error_msg ? h("div", { class: "error-msg", title: job.error_msg }, job.error_msg) : null),
      h("td", { "data-label": t("engineDirection") }, job.engine_type, h("div", { class: "muted" }, directionLabel(job.job_direction, p.scenario))),
      h("td", { "data-label": t("networkType") }, t(job.net_type)),
      h("td", { "data-label": t("taskMode") }, t(job.task_type)),
      h("td", { "data-label": t("created") }, formatTime(job.create_time)),
      h("td", { "data-label": t("description"), class: "desc" }, job.description || t("none")),
    ];
    if (canWrite()) cells.push(h("td", { "data-label": t("operation"), class: "ops-cell" }, h("div", { class: "ops" }, operationButtons(job, () => { shown = null; load(); }))));
    return h("tr", { "data-testid": "job-row", "data-job": job.id, "data-status": job.status }, cells);
  }

  function pagerButtons(total) {
    const pages = Math.max(1, Math.ceil(total / p.size));
    const to = (n) => go("/list", { ...p, page: n });
    const nums = new Set([1, pages, p.page - 2, p.page - 1, p.page, p.page + 1, p.page + 2]);
    const list = [...nums].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
    const items = [];
    let prev = 0;
    for (const n of list) {
      if (n - prev > 1) items.push(h("span", { class: "muted" }, "…"));
      items.push(h("button", {
        type: "button", class: n === p.page ? "btn btn-small page active" : "btn btn-small page",
        "aria-current": n === p.page ? "page" : null, "aria-label": t("page", { n }), "data-testid": `page-${n}`,
        onclick: () => to(n),
      }, String(n)));
      prev = n;
    }
    const sizeSelect = h("select", { "data-testid": "page-size", "aria-label": t("pageSize"),
      onchange: (ev) => go("/list", { ...p, page: 1, size: ev.target.value }) },
      PAGE_SIZES.map((n) => h("option", { value: n, selected: n === p.size }, String(n))));
    pager.replaceChildren(
      h("span", { "data-testid": "total" }, t("total", { n: total })),
      h("label", { class: "inline" }, t("pageSize"), " ", sizeSelect),
      h("button", { type: "button", class: "btn btn-small", disabled: p.page <= 1, "data-testid": "page-prev", onclick: () => to(p.page - 1) }, t("prev")),
      ...items,
      h("button", { type: "button", class: "btn btn-small", disabled: p.page >= pages, "data-testid": "page-next", onclick: () => to(p.page + 1) }, t("next")),
    );
  }

  const myHash = location.hash;
  let shown = null; // the answer on screen: an unchanged answer leaves the DOM (and focus) alone
  async function load() {
    stopRefresh();
    try {
      const answer = await fetchList(p);
      if (location.hash !== myHash) return;
      const jobs = answer.jobs || [];
      const moving = jobs.some((j) => TRANSIENT.has(j.status) || (j.children || []).some((c) => TRANSIENT.has(c.status)));
      const fingerprint = JSON.stringify(answer);
      if (fingerprint === shown) {
        if (moving) refreshTimer = setTimeout(load, REFRESH_MS);
        return;
      }
      shown = fingerprint;
      tableWrap.setAttribute("aria-busy", "false");
      tableWrap.replaceChildren(jobs.length
        ? h("table", { class: "tasks" },
          h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, jobs.map(row)))
        : h("p", { class: "empty", "data-testid": "no-tasks" }, t("noTasks")));
      pagerButtons(answer.total_record || 0);
      summary.replaceChildren(moving ? h("span", { class: "muted", "data-testid": "auto-refresh" }, t("autoRefresh")) : "");
      if (moving) refreshTimer = setTimeout(load, REFRESH_MS);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      tableWrap.setAttribute("aria-busy", "false");
      tableWrap.replaceChildren(h("p", { class: "form-error", role: "alert", "data-testid": "list-error" }, t("errorPrefix", { msg: errorText(e) })));
    }
  }
  load();
}

// ---------- a task's detail ----------

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v, testid]) => [h("dt", {}, k), h("dd", { "data-testid": testid || null }, v)]));
}

function endpointFacts(ep) {
  if (!ep) return h("p", { class: "muted" }, t("none"));
  return dl([
    [t("dbType"), ep.db_type || t("none")],
    [t("address"), ep.ip || ep.inst_name || ep.inst_id || t("none")],
    [t("port"), ep.db_port ?? t("none")],
    [t("dbUser"), ep.db_user || t("none")],
    [t("region"), ep.region || t("none")],
    ep.inst_id ? [t("instance"), ep.inst_id] : null,
  ]);
}

const HISTORY_PAGE = 20;
const HISTORY_MAX = 1000;

/** The task's status changes from the timeline API, newest first; `more` asks for older ones. */
function historySection(timeline, scenario, more) {
  const entries = timeline.error ? [] : timeline.timelines || [];
  const count = timeline.error ? 0 : timeline.count || 0;
  let content;
  if (timeline.error) {
    content = h("p", { class: "form-error", role: "alert", "data-testid": "history-error" }, t("errorPrefix", { msg: errorText(timeline.error) }));
  } else if (!entries.length) {
    content = h("p", { class: "muted", "data-testid": "history-empty" }, t("historyEmpty"));
  } else {
    content = h("ol", { class: "timeline", "data-testid": "history" },
      entries.map((e) => h("li", { "data-testid": "history-entry", "data-name": e.name, "data-result": e.status },
        h("time", { class: "muted", datetime: e.operation_time, "data-testid": "history-time" }, formatTime(e.operation_time)),
        " ",
        badge(e.name, scenario),
        e.status === "failed" ? h("span", { class: "history-failed" }, t("historyFailed")) : null,
        e.user_name ? h("span", { class: "muted" }, t("historyBy", { user: e.user_name })) : null)));
  }
  const older = count > entries.length && entries.length < HISTORY_MAX
    ? h("p", { class: "muted small" }, t("historyShown", { shown: entries.length, count }), " ",
      h("button", { type: "button", class: "btn btn-small", "data-testid": "history-more", onclick: more }, t("historyMore")))
    : null;
  return h("section", { "aria-labelledby": "s-history" },
    h("h2", { id: "s-history" }, t("history")),
    content,
    older,
    h("p", { class: "muted small" }, t("historyNote")));
}

function renderTask(params) {
  const id = params.get("id") || "";
  const scenario = SCENARIOS.includes(params.get("scenario")) ? params.get("scenario") : "migration";
  const body = h("div", { class: "detail", "data-testid": "detail", "aria-busy": "true" }, h("p", { class: "muted" }, t("loading")));
  page(h("p", {}, h("a", { href: lastListHash, "data-testid": "back" }, `← ${t("back")}`)), body);
  const myHash = location.hash;
  let shown = null;
  let historyLimit = HISTORY_PAGE;

  async function load() {
    stopRefresh();
    let job, detail, timeline;
    try {
      const [list, details, changes] = await Promise.all([
        api.list({ db_use_type: scenario, name: id, per_page: 100 }),
        api.detail([id]),
        // The history alone may fail (an older server has no timeline API): the rest still shows.
        api.timeline(id, historyLimit).catch((e) => ({ error: e })),
      ]);
      job = (list.jobs || []).find((j) => j.id === id);
      detail = (details.results || [])[0];
      timeline = changes;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, t("errorPrefix", { msg: errorText(e) })));
      return;
    }
    if (location.hash !== myHash) return;
    if (timeline.error instanceof ApiError && timeline.error.status === 401) return;
    const fingerprint = JSON.stringify([job, detail, timeline.error ? errorText(timeline.error) : timeline, flash]);
    if (fingerprint === shown) {
      if (job && TRANSIENT.has(job.status)) refreshTimer = setTimeout(load, REFRESH_MS);
      return;
    }
    shown = fingerprint;
    body.setAttribute("aria-busy", "false");
    if (!job || !detail || detail.error_code) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert", "data-testid": "not-found" }, detail && detail.error_message ? detail.error_message : t("notFound")));
      return;
    }
    const editButton = canWrite()
      ? h("button", { type: "button", class: "btn btn-small", "data-testid": "edit", onclick: () => edit(job) }, t("edit"))
      : null;
    const tags = detail.tags || [];
    const children = job.children || [];
    const times = [
      ["started", detail.actual_start_time, "detail-started"],
      ["fullDone", detail.full_transfer_complete_time, "detail-full-done"],
      ["updated", detail.update_time, "detail-updated"],
    ].filter(([, v]) => v).map(([label, v, testid]) => [t(label), formatTime(v), testid]);
    body.replaceChildren(
      h("div", { class: "detail-head" },
        h("h1", { tabindex: "-1", "data-testid": "detail-name" }, job.name),
        h("span", { "data-testid": "detail-status" }, badge(job.status, scenario)),
        h("div", { class: "ops" }, operationButtons(job, () => load()), editButton)),
      h("section", { "aria-labelledby": "s-basic" },
        h("h2", { id: "s-basic" }, t("basicInfo")),
        dl([
          [t("id"), h("span", { class: "mono" }, job.id), "detail-id"],
          [t("name"), job.name],
          [t("status"), statusLabel(job.status, scenario)],
          [t("description"), job.description || t("none"), "detail-description"],
          [t("engine"), job.engine_type],
          [t("direction"), directionLabel(job.job_direction, scenario)],
          [t("networkType"), t(job.net_type)],
          [t("taskMode"), t(job.task_type)],
          [t("enterpriseProject"), job.enterprise_project_id || t("none")],
          [t("created"), formatTime(job.create_time)],
          ...times,
          job.error_msg || detail.failed_reason ? [t("failure"), job.error_msg || detail.failed_reason] : null,
        ])),
      h("section", { "aria-labelledby": "s-endpoints" },
        h("h2", { id: "s-endpoints" }, t("endpoints")),
        h("div", { class: "two" },
          h("div", {}, h("h3", {}, t("source")), endpointFacts(detail.source_endpoint)),
          h("div", {}, h("h3", {}, t("target")), endpointFacts(detail.target_endpoint)))),
      h("section", { "aria-labelledby": "s-tags" },
        h("h2", { id: "s-tags" }, t("tags")),
        h("ul", { class: "tag-list", "data-testid": "tags" },
          tags.length ? tags.map((tag) => h("li", { class: "chip", "data-testid": "tag" }, `${tag.key}=${tag.value ?? ""}`,
            canWrite() ? h("button", { type: "button", class: "chip-x", "aria-label": t("removeTag", { key: tag.key }),
              onclick: () => report(t("removeTag", { key: tag.key }), job.name, () => api.tagsDelete(scenario, id, [{ key: tag.key, value: tag.value }])).then(load) }, "×") : null))
            : h("li", { class: "muted" }, t("none"))),
        canWrite() ? tagForm(job, load) : null),
      h("section", { "aria-labelledby": "s-children" },
        h("h2", { id: "s-children" }, t("children")),
        children.length
          ? h("table", { class: "tasks compact" },
            h("thead", {}, h("tr", {}, [t("nameId"), t("status"), t("created")].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, children.map((c) => h("tr", { "data-testid": "child-row" },
              h("td", { "data-label": t("nameId") }, c.name, h("div", { class: "muted mono" }, c.id)),
              h("td", { "data-label": t("status") }, badge(c.status, scenario)),
              h("td", { "data-label": t("created") }, formatTime(c.create_time))))))
          : h("p", { class: "muted" }, t("none"))),
      historySection(timeline, scenario, () => {
        historyLimit = Math.min(historyLimit + HISTORY_PAGE, HISTORY_MAX);
        load();
      }),
    );
    if (TRANSIENT.has(job.status)) refreshTimer = setTimeout(load, REFRESH_MS);
  }

  async function edit(job) {
    const values = await dialog({
      title: t("editTitle", { name: job.name }),
      okLabel: t("save"),
      testid: "edit-dialog",
      body: [
        field(t("name"), h("input", { name: "name", value: job.name, required: true, "data-testid": "edit-name" })),
        field(t("description"), h("textarea", { name: "description", "data-testid": "edit-description" }, job.description || "")),
      ],
    });
    if (!values) return;
    const changes = {};
    if (values.name !== job.name) changes.name = values.name;
    if (values.description !== (job.description || "")) changes.description = values.description;
    if (Object.keys(changes).length) await report(t("edit"), job.name, () => api.modify(job.id, changes));
    load();
  }

  function tagForm(job, after) {
    const form = h("form", { class: "tag-form", "data-testid": "tag-form" },
      field(t("tagKey"), h("input", { name: "key", required: true, maxlength: 128, "data-testid": "tag-key" })),
      field(t("tagValue"), h("input", { name: "value", maxlength: 255, "data-testid": "tag-value" })),
      h("button", { type: "submit", class: "btn btn-small", "data-testid": "tag-add" }, t("addTag")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = Object.fromEntries(new FormData(form).entries());
      await report(t("addTag"), job.name, () => api.tagsAdd(scenario, job.id, [{ key: v.key, value: v.value }]));
      after();
    });
    return form;
  }

  load();
}

// ---------- the router ----------

function render() {
  stopRefresh();
  applyLanguage();
  const { path, params } = parseHash();
  if (!session()) {
    if (path !== "/signin" && path !== "") lastListHash = location.hash.startsWith("#/list") ? location.hash : lastListHash;
    renderSignIn();
    return;
  }
  if (path === "/signin") {
    location.hash = lastListHash;
    return;
  }
  if (path === "/task") renderTask(params);
  else renderList(params);
  const heading = root.querySelector("main h1");
  if (heading && !root.contains(document.activeElement)) heading.focus({ preventScroll: true });
}

whenSignedOut((reason) => {
  signInNotice = t(reason === "expired" ? "expired" : "unauthorized");
  flash = null;
  if (!location.hash.startsWith("#/signin")) {
    if (location.hash.startsWith("#/list")) lastListHash = location.hash;
    location.hash = "#/signin";
  } else {
    render();
  }
});

window.addEventListener("hashchange", () => {
  flash = flash && flash.sticky ? flash : null;
  render();
});
render();
