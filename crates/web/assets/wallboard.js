// The supervisor wallboard: queue, operators, today's figures, and the Erlang C estimate.
"use strict";

const $ = (id) => document.getElementById(id);
let board = null;

async function refresh() {
  board = await Centrale.api("GET", "/api/v1/wallboard");
  render();
}

function render() {
  if (!board) return;
  const now = Date.now();
  $("wall-waiting").textContent = board.waiting.length;
  const longest = board.waiting.reduce((max, c) => Math.max(max, now - Date.parse(c.arrived_at)), 0);
  $("wall-longest").textContent = Centrale.seconds(longest);
  $("wall-calls").replaceChildren(...board.waiting.map((c) => Centrale.el("li", `${c.client_name} · ${Centrale.seconds(now - Date.parse(c.arrived_at))}`)));
  const rows = $("wall-operator-rows");
  rows.replaceChildren(...board.operators.map((o) => {
    const row = document.createElement("tr");
    row.append(Centrale.el("td", o.name), Centrale.el("td", rows.dataset[o.state] ?? o.state, `state ${o.state}`),
      Centrale.el("td", o.registered ? rows.dataset.registered : rows.dataset.unregistered));
    return row;
  }));
  const t = board.today;
  $("stat-offered").textContent = t.offered;
  $("stat-answered").textContent = t.answered;
  $("stat-abandoned").textContent = t.abandoned;
  $("stat-within").textContent = t.answered_within_20s_share === null ? "–" : `${Math.round(t.answered_within_20s_share * 100)}%`;
  $("stat-asa").textContent = t.average_speed_of_answer_ms === null ? "–" : Centrale.seconds(t.average_speed_of_answer_ms);
}

// Notes that could not be delivered: the supervisor follows them up by hand.
async function failedDeliveries() {
  const failed = await Centrale.api("GET", "/api/v1/deliveries/failed");
  $("wall-failed-none").hidden = failed.length > 0;
  $("wall-failed-list").replaceChildren(...failed.map((d) =>
    Centrale.el("li", `${d.client_name}: ${d.channel} ${d.recipient} — ${d.last_error ?? ""}`)));
}

// Sign-ups: those waiting for a number (staff complete them), and the latest active ones.
async function signups() {
  const [waiting, active] = await Promise.all([
    Centrale.api("GET", "/api/v1/signups?status=pending&limit=20"),
    Centrale.api("GET", "/api/v1/signups?status=active&limit=5"),
  ]);
  const list = $("wall-signup-list");
  const when = (s) => new Date(s.created_at).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  $("wall-signups-none").hidden = waiting.length + active.length > 0;
  list.replaceChildren(
    ...waiting.map((s) => Centrale.el("li", `${when(s)} ${s.company} — ${list.dataset.waiting}`, "waiting")),
    ...active.map((s) => Centrale.el("li", `${when(s)} ${s.company}`)));
}

async function staffing(event) {
  event?.preventDefault();
  const query = new URLSearchParams({
    calls_per_hour: $("st-calls").value,
    average_handle_time_secs: $("st-aht").value,
    target: $("st-target").value / 100,
  });
  const result = await Centrale.api("GET", `/api/v1/staffing?${query}`);
  $("st-needed").textContent = result.needed.agents;
  $("st-current").textContent = `${Math.round(result.current.service_level * 100)}% (${result.current.agents})`;
}

$("staffing-form").addEventListener("submit", staffing);
Centrale.events({
  "call.queued": refresh, "call.answered": refresh, "call.ended": refresh, "operator.state": refresh, "call.offered": refresh,
  "client.signed_up": signups,
}, () => { refresh(); signups(); });
setInterval(render, 1000);
setInterval(failedDeliveries, 30000);
refresh();
failedDeliveries();
signups();
staffing();
