// The console's only link to the server: the JSON API, the token kept in sessionStorage.

const SESSION_KEY = "opendrs.session";

/** The signed-in session ({token, expiresAt, project, projectName, domain, user, roles}), or null. */
export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    return s && s.token ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

/** A refused call: HTTP status, the API's error_code and its (localized) error_msg. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
  }
}

let onSignedOut = () => {};
/** Called with a reason ("expired" or "unauthorized") whenever the session ends by itself. */
export function whenSignedOut(f) {
  onSignedOut = f;
}

let language = "en-us";
export function setApiLanguage(lang) {
  language = lang;
}

async function decode(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error_msg: text };
  }
}

/** One API call with the session's token. A 401, or a token past its expiry, ends the session. */
export async function call(method, path, body) {
  const s = session();
  if (!s) {
    onSignedOut("unauthorized");
    throw new ApiError(401, "", "signed out");
  }
  if (s.expiresAt && Date.parse(s.expiresAt) <= Date.now()) {
    clearSession();
    onSignedOut("expired");
    throw new ApiError(401, "", "expired");
  }
  const headers = { "X-Auth-Token": s.token, "X-Language": language };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const data = await decode(res);
  if (res.status === 401) {
    clearSession();
    onSignedOut(data && data.error_code === "APIGW.0307" ? "expired" : "unauthorized");
    throw new ApiError(401, data && data.error_code, data && data.error_msg);
  }
  if (!res.ok) throw new ApiError(res.status, data && data.error_code, data && data.error_msg);
  return data;
}

/** Password login scoped to a project (name or ID); returns the session it saved. */
export async function signIn({ domain, user, password, project }) {
  const scope = /^[0-9a-f]{32}$/.test(project)
    ? { project: { id: project } }
    : { project: { name: project, domain: { name: domain } } };
  const res = await fetch("/v3/auth/tokens?nocatalog=true", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Language": language },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: user, password, domain: { name: domain } } },
        },
        scope,
      },
    }),
  });
  const data = await decode(res);
  if (!res.ok) throw new ApiError(res.status, data && data.error_code, data && data.error_msg);
  const token = res.headers.get("X-Subject-Token");
  const t = data.token;
  const s = {
    token,
    expiresAt: t.expires_at,
    project: t.project.id,
    projectName: t.project.name,
    domain: t.user.domain.name,
    user: t.user.name,
    roles: (t.roles || []).map((r) => r.name),
  };
  saveSession(s);
  return s;
}

const v3 = (path) => `/v3/${encodeURIComponent(session().project)}/${path}`;

export const api = {
  projects: () => call("GET", "/v3/auth/projects"),
  list: (query) => call("POST", v3("jobs"), query),
  detail: (ids) => call("POST", v3("jobs/batch-detail"), { jobs: ids }),
  timeline: (id, limit) =>
    call("GET", `/v5/${encodeURIComponent(session().project)}/jobs/${encodeURIComponent(id)}/timelines?limit=${limit}`),
  start: (id, startTime) =>
    call("POST", v3("jobs/batch-starting"), {
      jobs: [startTime ? { job_id: id, start_time: String(startTime) } : { job_id: id }],
    }),
  pause: (id) => call("POST", v3("jobs/batch-pause-task"), { jobs: [{ job_id: id, pause_mode: "all" }] }),
  retry: (id) => call("POST", v3("jobs/batch-retry-task"), { jobs: [{ job_id: id }] }),
  modify: (id, fields) => call("PUT", v3("jobs/batch-modification"), { jobs: [{ job_id: id, ...fields }] }),
  remove: (id, deleteType) =>
    call("DELETE", v3("jobs/batch-jobs"), { jobs: [{ job_id: id, delete_type: deleteType }] }),
  tagsAdd: (scenario, id, tags) =>
    call("POST", `/v5/${encodeURIComponent(session().project)}/${scenario}/${id}/tags/create`, { tags }),
  tagsDelete: (scenario, id, tags) =>
    call("POST", `/v5/${encodeURIComponent(session().project)}/${scenario}/${id}/tags/delete`, { tags }),
};
