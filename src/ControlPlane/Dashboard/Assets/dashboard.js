// The Conjur cluster dashboard: plain JavaScript, no build step. Everything arrives on /api/stream
// (server-sent events, one event per section); the browser's EventSource reconnects by itself.
//
// Access: the page asks once for an API token (the viewer's; the operator's works too) and keeps it in
// sessionStorage, i.e. in this tab only. An EventSource cannot send an Authorization header, so the page trades
// the token for a short-lived session cookie (POST /api/session: HttpOnly, SameSite=Strict, Path=/api) and
// renews it at half its life. The control plane ends a stream when its session ends; the page then renews
// the session and opens the stream again. Other requests send the token as a bearer header.
"use strict";

const TOKEN_KEY = "conjur.controlplane.token";
let source = null;
let renewal = null;

const state = { cluster: null, loadbalancer: null, failovers: null, events: null, selected: null, selectedDetails: null, lastData: null };
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const time = (t) => (t ? new Date(t).toISOString().slice(11, 23) : "—");
const ms = (a, b) => new Date(b).getTime() - new Date(a).getTime();
const dur = (m) => (m == null || isNaN(m) ? "" : m < 1000 ? `${Math.round(m)} ms` : `${(m / 1000).toFixed(m < 10000 ? 2 : 1)} s`);
const bytes = (b) => (b == null ? "—" : b < 1024 ? `${b} B` : b < 1048576 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1048576).toFixed(1)} MiB`);
const running = (f) => f && !f.completedAt && !f.failedAt;

function setConn(st, text) {
  $("conn").dataset.state = st;
  $("conn-text").textContent = text;
}

/** POST /api/session with the bearer token: {ok, session} or {ok: false, refused: 401/403?, error}. */
async function openSession(token) {
  let r;
  try {
    r = await fetch("/api/session", {
      method: "POST", body: "{}", credentials: "same-origin", cache: "no-store",
      headers: { "Authorization": `Bearer ${token}`, "Content-Type": "application/json" },
    });
  } catch {
    return { ok: false, refused: false, error: "the control plane does not answer" };
  }
  if (r.ok) return { ok: true, session: await r.json() };
  const body = await r.json().catch(() => ({}));
  return { ok: false, refused: r.status === 401 || r.status === 403, error: body.error || `${r.status} ${r.statusText}` };
}

/** With the kept token: a session, then the stream; without one (or a refused one), the sign-in prompt. */
async function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return askForToken("");
  const result = await openSession(token);
  if (result.ok) {
    signedIn(result.session);
    connect();
  } else if (result.refused) {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken(result.error);
  } else {
    setConn("reconnecting", "reconnecting…");
    setTimeout(start, 2000);
  }
}

function signedIn(session) {
  $("signin").hidden = true;
  $("signed-in").textContent = `signed in as ${session.credential} (${session.role})`;
  $("signout").hidden = false;
  clearTimeout(renewal);
  const left = new Date(session.expiresAt).getTime() - Date.now();
  renewal = setTimeout(renew, Math.max(5000, left / 2));
}

async function renew() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return;
  const result = await openSession(token);
  if (result.ok) signedIn(result.session);
  else if (result.refused) { if (source) source.close(); source = null; sessionStorage.removeItem(TOKEN_KEY); askForToken(result.error); }
  else renewal = setTimeout(renew, 5000);
}

function askForToken(error) {
  setConn("signed-out", "signed out");
  $("signin").hidden = false;
  $("signin-error").textContent = error || "";
  $("signin-token").focus();
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const token = $("signin-token").value.trim();
  if (!token) return;
  const result = await openSession(token);
  if (!result.ok) {
    $("signin-error").textContent = result.error;
    return;
  }
  $("signin-token").value = "";
  sessionStorage.setItem(TOKEN_KEY, token);
  signedIn(result.session);
  connect();
});

$("signout").addEventListener("click", (e) => {
  e.preventDefault();
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(renewal);
  if (source) source.close();
  source = null;
  $("signed-in").textContent = "";
  $("signout").hidden = true;
  askForToken("");
});

/** GET of a read route with the kept token. */
function api(path) {
  return fetch(path, { headers: { "Authorization": `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` }, cache: "no-store" });
}

function connect() {
  if (source) source.close();
  source = new EventSource("/api/stream");
  const mine = source;
  source.onopen = () => setConn("live", "live");
  source.onerror = () => {
    setConn("reconnecting", "reconnecting…");
    // A stream the control plane refused (its session ended, or it restarted and forgot it) is closed for good:
    // the browser does not retry it. Renew the session, then open a new stream.
    if (mine.readyState === EventSource.CLOSED && source === mine) {
      source = null;
      setTimeout(start, 1000);
    }
  };
  for (const name of ["cluster", "loadbalancer", "failovers", "events"]) {
    source.addEventListener(name, (e) => {
      state[name] = JSON.parse(e.data);
      state.lastData = new Date();
      $("problem").hidden = true;
      render();
    });
  }
  source.addEventListener("problem", (e) => {
    const p = JSON.parse(e.data);
    $("problem").hidden = false;
    $("problem").textContent = `The control plane could not read its store: ${p.error}`;
  });
}

/** What a node is at a glance: fenced and down win over the role it last reported. */
function nodeState(n) {
  if (n.fenced) return "fenced";
  if (!n.role || !n.postgresRunning || (n.problem && n.problem.startsWith("no heartbeat"))) return "down";
  return ["master", "standby", "follower"].includes(n.role) ? n.role : "unknown";
}

function render() {
  renderBanner();
  renderNodes();
  renderFailovers();
  renderSaga();
  renderFeed();
  $("updated").textContent = state.lastData ? `updated ${time(state.lastData)} UTC` : "no data yet";
}

function tile(id, cls) {
  const t = $(id);
  t.classList.remove("ok", "bad", "busy");
  if (cls) t.classList.add(cls);
}

function renderBanner() {
  const c = state.cluster;
  if (c) {
    $("cluster-id").textContent = c.clusterId;
    document.title = `${c.master ? "▲ " + c.master : "✖ no master"} · Conjur ${c.clusterId}`;
    $("master-name").textContent = c.master ?? "NO MASTER";
    const m = c.nodes.find((n) => n.id === c.master);
    $("master-sub").textContent = m ? `timeline ${m.timeline ?? "?"} · heartbeat ${dur(m.heartbeatAgeMs)} ago` : "no healthy node reports itself master";
    tile("tile-master", c.master ? "ok" : "bad");

    const bad = c.nodes.filter((n) => !n.healthy);
    $("health-big").textContent = bad.length === 0 ? "All healthy" : `${bad.length} unhealthy`;
    $("health-sub").innerHTML = bad.length === 0 ? `${c.nodes.length} nodes` : bad.map((n) => `${esc(n.id)}: ${esc(n.problem)}`).join("<br>");
    // Whether a failover could run now and, if not, why (GET /api/cluster's "failover": {ready, reasons}).
    const readiness = c.failover;
    if (readiness && typeof readiness.ready === "boolean") {
      const why = !readiness.ready && Array.isArray(readiness.reasons) && readiness.reasons.length > 0 ? ": " + esc(readiness.reasons.join("; ")) : "";
      $("health-sub").innerHTML += `<br>failover ${readiness.ready ? "possible now" : "not possible"}${why}`;
    }
    tile("tile-health", bad.length === 0 ? "ok" : "bad");
  }

  const lb = state.loadbalancer;
  if (lb) {
    $("lb-route").textContent = lb.routedTo ?? "nowhere";
    $("lb-sub").textContent = lb.error ?? "HAProxy stats: " + (lb.servers.filter((s) => s.backend === "master_postgres").map((s) => `${s.server} ${s.status}`).join(", ") || "no servers");
    tile("tile-lb", lb.routedTo && state.cluster && lb.routedTo === state.cluster.master ? "ok" : lb.routedTo ? "busy" : "bad");
  }

  const f = state.failovers;
  if (f) {
    const latest = f.failovers[0];
    if (!latest) {
      $("failover-big").textContent = "None yet";
      $("failover-sub").textContent = "";
      tile("tile-failover", null);
    } else if (running(latest)) {
      const step = f.latest?.awaitingStep ?? latest.state;
      $("failover-big").textContent = `Running: ${step}`;
      $("failover-sub").textContent = `${latest.kind} · ${latest.formerMaster || "?"} → ${latest.candidate || "?"} · for ${dur(ms(latest.startedAt, new Date()))}`;
      tile("tile-failover", "busy");
    } else {
      $("failover-big").textContent = latest.state;
      const end = latest.completedAt ?? latest.failedAt;
      $("failover-sub").textContent = latest.completedAt
        ? `${latest.formerMaster} → ${latest.newMaster} in ${dur(ms(latest.startedAt, end))} · ${time(end)} UTC`
        : `at ${latest.failedStep}: ${latest.failedReason}`;
      tile("tile-failover", latest.completedAt ? "ok" : "bad");
    }
  }
}

function renderNodes() {
  const c = state.cluster;
  if (!c) return;
  const routed = state.loadbalancer?.routedTo;
  $("nodes").innerHTML = c.nodes.map((n) => {
    const s = nodeState(n);
    // The master's pg_stat_replication names each replica's sync state (sync, potential, async); a node it does not list is not streaming.
    const sync = n.role === "master" ? "—" : n.sync === true ? "sync" : n.syncState ?? (n.healthy ? "—" : "not streaming");
    return `<div class="node" data-testid="node-${esc(n.id)}" data-node="${esc(n.id)}" data-state="${s}" data-healthy="${n.healthy}">
      ${routed === n.id ? '<span class="lb"><span class="badge-lb" data-testid="lb-badge">LB ◀</span></span>' : ""}
      <div class="name">${esc(n.id)}</div>
      <span class="chip role-${s}" data-testid="role-${esc(n.id)}">${s}${s !== n.role && n.role ? ` (was ${esc(n.role)})` : ""}</span>
      ${n.healthy ? "" : ' <span class="chip role-down">unhealthy</span>'}
      <dl>
        <dt>replication</dt><dd>${esc(sync)}</dd>
        <dt>lag</dt><dd>${bytes(n.lagBytes)}${n.lagSeconds != null ? ` · ${n.lagSeconds.toFixed(2)} s` : ""}</dd>
        <dt>heartbeat</dt><dd>${n.heartbeatAgeMs != null ? dur(n.heartbeatAgeMs) + " ago" : "never"}</dd>
        <dt>timeline</dt><dd>${n.timeline ?? "—"}</dd>
        <dt>postgres</dt><dd>${n.postgresRunning ? "running" : "stopped"}${n.fenced ? " · fenced" : ""}</dd>
      </dl>
      ${n.problem ? `<div class="problem">${esc(n.problem)}</div>` : ""}
    </div>`;
  }).join("");
}

function renderFailovers() {
  const f = state.failovers;
  if (!f) return;
  $("failovers").innerHTML = f.failovers.length === 0 ? '<li class="muted">No failover yet.</li>' : f.failovers.map((x) => {
    const cls = running(x) ? "running" : x.state;
    const sel = (state.selected ?? f.failovers[0].id) === x.id ? "selected" : "";
    return `<li class="${sel}" data-id="${x.id}" data-testid="failover-row">
      <span class="state state-${esc(cls)}">${esc(x.state)}</span>
      <span>${esc(x.kind)} · ${esc(x.formerMaster || "?")} → <strong>${esc(x.newMaster ?? x.candidate ?? "?")}</strong></span>
      <span class="muted">${time(x.startedAt)}</span></li>`;
  }).join("");
  for (const li of $("failovers").querySelectorAll("li[data-id]")) {
    li.onclick = () => select(li.dataset.id);
  }
}

async function select(id) {
  state.selected = state.failovers?.failovers[0]?.id === id ? null : id;
  state.selectedDetails = null;
  if (state.selected) {
    try {
      const r = await api(`/api/failovers/${id}`);
      state.selectedDetails = r.ok ? await r.json() : null;
    } catch { state.selectedDetails = null; }
  }
  render();
}

const STEP_ORDER = ["started", "stepping-down", "awaiting-lock", "promoting", "rebasing", "reenrolling", "completed", "failed"];

function renderSaga() {
  const d = state.selected ? state.selectedDetails : state.failovers?.latest;
  if (!d) return;
  const f = d.failover;
  const events = [...d.events].sort((a, b) => a.version - b.version);
  $("saga-id").textContent = f.id;
  // Each step's first event, in order: its duration runs to the next step's first event (or now).
  const firsts = [];
  for (const e of events) if (!firsts.find((x) => x.step === e.step)) firsts.push(e);
  const finished = !running(f);
  const steps = firsts.map((e, i) => {
    const next = firsts[i + 1];
    const end = next ? next.at : finished ? null : new Date().toISOString();
    const cls = e.step === "completed" ? "done" : e.step === "failed" ? "failed" : next || finished ? "done" : "current";
    return `<div class="step ${cls}" data-step="${esc(e.step)}">${esc(e.step)}<span class="dur">${end ? dur(ms(e.at, end)) : ""}</span></div>`;
  });
  if (!finished) {
    const seen = new Set(firsts.map((x) => x.step));
    for (const s of ["promoting", "rebasing", "completed"]) if (!seen.has(s)) steps.push(`<div class="step" data-step="${s}">${s}<span class="dur">…</span></div>`);
  }
  const total = dur(ms(f.startedAt, f.completedAt ?? f.failedAt ?? new Date()));
  $("saga").innerHTML = `
    <div><span class="state state-${running(f) ? "running" : esc(f.state)}" data-testid="failover-state">${esc(f.state)}</span>
      ${esc(f.kind)} · former master <strong>${esc(f.formerMaster || "?")}</strong> → new master <strong data-testid="failover-new-master">${esc(f.newMaster ?? "—")}</strong>
      <span class="muted">· ${total}${d.awaitingStep ? ` · awaiting ${esc(d.awaitingStep)} until ${time(d.deadline)}` : ""}</span></div>
    <div class="steps" data-testid="saga-steps">${steps.join("")}</div>
    <ol class="timeline">${events.map((e, i) => {
      const cls = /confirmed|succeeded/.test(e.type) ? "ok" : /refused|aborted|timed_out/.test(e.type) ? "bad" : "";
      const delta = i === 0 ? "start" : `+${dur(ms(events[0].at, e.at))}`;
      return `<li class="${cls}" data-type="${esc(e.type)}"><span class="t">${time(e.at)} · ${delta}</span><br>
        <span class="what">${esc(e.type.replaceAll("_", " "))}</span>${e.node ? ` <span class="chip role-unknown">${esc(e.node)}</span>` : ""}<br>
        <span class="muted">${esc(e.detail)}</span></li>`;
    }).join("")}</ol>`;
}

function describe(data) {
  if (!data || typeof data !== "object") return esc(data);
  return Object.entries(data)
    .filter(([k, v]) => v !== null && v !== "" && !/Id$/.test(k) && typeof v !== "object")
    .map(([k, v]) => `<span class="muted">${esc(k)}</span> ${esc(typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) ? time(v) : v)}`)
    .join(" · ");
}

function renderFeed() {
  const items = [];
  for (const e of state.events?.events ?? []) {
    items.push({ at: e.data?.observedAt ?? e.data?.at ?? e.recordedAt, kind: e.type, text: describe(e.data) });
  }
  for (const e of state.failovers?.latest?.events ?? []) {
    items.push({ at: e.at, kind: `saga: ${e.type}`, text: esc(e.detail) });
  }
  items.sort((a, b) => new Date(b.at) - new Date(a.at));
  $("feed").innerHTML = items.length === 0 ? '<li class="muted">Nothing has happened yet.</li>' : items.slice(0, 80).map((i) => {
    const cls = /blocked|lost|aborted|refused|timed/.test(i.kind) ? "bad" : /succeeded|confirmed|master_changed/.test(i.kind) ? "ok" : /requested|initiated/.test(i.kind) ? "warn" : "";
    return `<li><span class="t">${time(i.at)}</span><span class="kind ${cls}">${esc(i.kind.replaceAll("_", " "))}</span><span>${i.text}</span></li>`;
  }).join("");
}

// Durations of a running failover grow between events: redraw the clock-based parts once a second.
setInterval(() => { if (running(state.failovers?.failovers?.[0])) { renderBanner(); renderSaga(); } }, 1000);
start();
