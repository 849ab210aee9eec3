// The operator console: my state, the queue, the screen pop, putting the caller through, the
// call note, search.
// Everything shown comes from the API and is put on the page with textContent (never as HTML).
"use strict";

const me = document.querySelector('meta[name="operator-id"]').content;
const $ = (id) => document.getElementById(id);
let current = null; // { call_id, pop }
let queue = [];
let prices = {}; // line → euro cents, as in force when the console loaded
let consulting = false; // a ruggespraak of mine is on: F9 completes, F10 returns
let emergencyTaken = []; // the emergency steps taken on the call on screen, for its note
let heldFromConsole = false; // I hold my caller (F8)
let callTimer; // counts the call on screen from its answer

async function refreshState() {
  const state = await Centrale.api("GET", "/api/v1/operators/me/state");
  showState(state.state, state.registered);
}

const wrapUpSecs = Number(document.querySelector('meta[name="wrap-up-secs"]').content);
let wrapUpTimer;

function showState(state, registered) {
  const badge = $("my-state");
  badge.textContent = badge.dataset[state] ?? state;
  badge.dataset.state = state;
  clearInterval(wrapUpTimer);
  if (state === "wrap_up") {
    // Counts down the wrap-up; F2 ends it early.
    const ends = Date.now() + wrapUpSecs * 1000;
    const tick = () => { badge.textContent = `${badge.dataset.wrap_up} ${Centrale.seconds(ends - Date.now())}`; };
    tick();
    wrapUpTimer = setInterval(tick, 1000);
  }
  const phone = $("phone");
  phone.textContent = registered ? phone.dataset.yes : phone.dataset.no;
  phone.dataset.registered = registered;
  document.querySelectorAll(".states button").forEach((b) => b.setAttribute("aria-pressed", b.dataset.state === state));
}

async function setState(state) {
  try {
    const result = await Centrale.api("PUT", "/api/v1/operators/me/state", { state });
    showState(result.state, result.registered);
  } catch (error) {
    $("note-status").textContent = error.message;
  }
}

async function refreshQueue() {
  queue = await Centrale.api("GET", "/api/v1/queue");
  renderQueue();
}

function renderQueue() {
  const badge = $("queue");
  const longest = queue.reduce((max, call) => Math.max(max, Date.now() - Date.parse(call.arrived_at)), 0);
  badge.textContent = `${queue.length} ${badge.dataset.label}` + (queue.length ? ` · ${badge.dataset.longest} ${Centrale.seconds(longest)}` : "");
  badge.dataset.count = queue.length;
}

function showPop(event) {
  const pop = event.pop;
  current = { call_id: event.call_id, pop };
  $("pop-idle").hidden = true;
  $("pop-call").hidden = false;
  Pop.show(pop);
  const contact = pop.contact;

  showEmergency(pop.instructions.content.emergency);
  heldFromConsole = false;
  clearInterval(callTimer);
  $("pop-timer").textContent = "";

  showHistory([]);
  showDestinations(pop.destinations);

  const forWhom = $("note-for");
  forWhom.replaceChildren(...pop.employees.map((e) => {
    const label = Centrale.el("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = e.id;
    box.name = "for_employees";
    label.append(box, ` ${e.name}`);
    return label;
  }));
  const callbackWith = $("note-callback-with");
  callbackWith.replaceChildren(new Option(callbackWith.dataset.anyone, ""), ...pop.employees.map((e) => new Option(e.name, e.id)));
  $("note-form").reset();
  restoreDraft();
  if (!$("note-phone").value) $("note-phone").value = pop.caller.number ?? "";
  if (!$("note-caller-name").value && contact) $("note-caller-name").value = contact.name;
  $("note-status").textContent = "";
  document.title = `☎ ${pop.client_name}`;
  // When the pop is painted, for the screen-pop latency benchmark (bench/).
  requestAnimationFrame(() => {
    document.body.dataset.popCall = event.call_id;
    document.body.dataset.popShownAt = String(Date.now());
  });
}

// The emergency procedure in force, one action per step: an SMS step sends the note (urgent)
// by SMS now, a call or voicemail step starts a ruggespraak; each can be ticked off. The note
// records each step taken, when and how it went.
function showEmergency(steps) {
  emergencyTaken = [];
  const list = $("pop-emergency");
  [...list.children].forEach((item, i) => {
    const step = steps[i];
    const act = Centrale.el("button", step.kind === "sms" ? list.dataset.sms : list.dataset.consult);
    act.type = "button";
    act.id = `emergency-${i}`;
    act.addEventListener("click", () => takeStep(step, i));
    const done = document.createElement("input");
    done.type = "checkbox";
    done.id = `emergency-${i}-done`;
    done.addEventListener("change", () => tick(step, done.checked));
    const label = Centrale.el("label", ` ${list.dataset.done}`);
    label.prepend(done);
    const outcome = Centrale.el("span", "", "outcome");
    outcome.id = `emergency-${i}-outcome`;
    outcome.setAttribute("role", "status");
    item.append(act, " ", label, " ", outcome);
  });
}

function sameStep(a, b) {
  return a.kind === b.kind && a.to === b.to;
}

function record(step, outcome) {
  emergencyTaken = emergencyTaken.filter((a) => !sameStep(a.step, step));
  if (outcome) emergencyTaken.push({ step, at: new Date().toISOString(), outcome });
  saveDraft();
}

function tick(step, done) {
  const taken = emergencyTaken.find((a) => sameStep(a.step, step));
  if (done && !taken) record(step, "done");
  if (!done && taken?.outcome === "done") record(step, null);
}

async function takeStep(step, i) {
  $(`emergency-${i}-done`).checked = true;
  if (step.kind !== "sms") {
    record(step, "consulted");
    return transfer(step.to, "consult");
  }
  record(step, "sms");
  $("note-urgent").checked = true;
  const note = await saveNote();
  if (note) followSms(note, step.to, $(`emergency-${i}-outcome`));
}

// Shows the SMS's delivery as it goes (queued → sent → delivered, or failed), for a while.
async function followSms(note, to, outcome) {
  const list = $("pop-emergency");
  for (let tries = 0; tries < 30; tries++) {
    const sms = note.deliveries.find((d) => d.channel === "sms" && d.recipient === to);
    if (!sms) return;
    outcome.textContent = list.dataset[sms.status] ?? sms.status;
    if (sms.status !== "queued") return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      note = await Centrale.api("GET", `/api/v1/clients/${current.pop.client_id}/notes/${note.id}`);
    } catch (_) {
      return;
    }
  }
}

// Where the caller may be put through: per destination a ruggespraak button and an at-once
// one (F7 goes to the first, Enter picks).
function showDestinations(destinations) {
  const list = $("transfer-destinations");
  list.replaceChildren(...destinations.map((d) => {
    const item = Centrale.el("li", `${d.name ?? d.number} — ${list.dataset[d.line]} ${d.number}${price(d.line)} `);
    for (const mode of ["consult", "blind"]) {
      const button = Centrale.el("button", list.dataset[mode]);
      button.type = "button";
      button.setAttribute("aria-label", `${list.dataset[mode]}: ${d.name ?? d.number}`);
      button.addEventListener("click", () => transfer(d.number, mode));
      item.append(button, " ");
    }
    return item;
  }));
  $("transfer-status").textContent = "";
  consulting = false;
}

function price(line) {
  const cents = prices[line];
  return cents === undefined ? "" : ` · € ${(cents / 100).toFixed(2).replace(".", ",")}`;
}

function destinationName(to) {
  return `${to.name ?? to.number} (${$("transfer-destinations").dataset[to.line]})`;
}

async function transfer(to, mode) {
  const status = $("transfer-status");
  if (!current) return;
  try {
    const started = await Centrale.api("POST", `/api/v1/calls/${current.call_id}/transfer`, { to, mode });
    const name = destinationName(started.to);
    status.textContent = mode === "consult"
      ? `${status.dataset.calling} ${name}… — ${status.dataset.consult_keys}`
      : `${status.dataset.ringing} ${name}…`;
    status.dataset.ok = "true";
    consulting = mode === "consult";
  } catch (error) {
    status.textContent = `${status.dataset.refused}: ${status.dataset[error.code] ?? error.message}`;
    status.dataset.ok = "false";
  }
}

// F9 completes my ruggespraak, F10 goes back to the caller.
async function consultStep(step) {
  if (!current || !consulting) return;
  try {
    await Centrale.api("POST", `/api/v1/calls/${current.call_id}/transfer/${step}`);
  } catch (error) {
    $("transfer-status").textContent = error.message;
  }
}

// A transfer's progress: ringing, consulting, then connected (the caller talks with the
// destination, I am free) or not (a blind transfer not reached rings my phone again; a
// ruggespraak ended gives me the caller back).
function showTransfer(event) {
  const status = $("transfer-status");
  const to = destinationName(event.to);
  const consult = event.mode === "consult";
  if (!event.result) {
    if (event.consulting) status.textContent = `${status.dataset.consulting} ${to} — ${status.dataset.consult_keys}`;
    return;
  }
  consulting = false;
  const texts = {
    connected: `${status.dataset.connected} ${to}`,
    returned: status.dataset.returned,
    destination_hung_up: `${to} ${status.dataset.destination_hung_up}`,
    caller_left: consult ? `${status.dataset.caller_left_consult} ${to}` : `${status.dataset.not_reached}: ${to}`,
  };
  status.textContent = texts[event.result]
    ?? `${status.dataset.not_reached}: ${to} — ${status.dataset[event.result]}${consult ? `; ${status.dataset.back}` : ""}`;
  status.dataset.ok = String(event.result === "connected");
}

// The caller's earlier notes follow the pop in an event of their own.
function showHistory(notes) {
  $("pop-notes-section").hidden = notes.length === 0;
  $("pop-notes").replaceChildren(...notes.map((n) => Centrale.el("li", `${n.created_at.slice(0, 16).replace("T", " ")} ${n.caller_name}: ${n.message}`)));
}

// The callback agreed, from its fields: times as typed (14:00), today or tomorrow, in the
// operator's zone (the bureau's). Throws, with a message for her, on a time it cannot read.
function callbackBody() {
  const form = callbackForm();
  if (!form.when) return null;
  const callback = { when: { kind: form.when } };
  if (form.with) callback.with = form.with;
  const instant = (text) => {
    const match = /^([01]?\d|2[0-3])[:.]?([0-5]\d)$/.exec(text.trim());
    if (!match) throw new Error($("note-callback-set").dataset.time);
    const day = new Date();
    day.setDate(day.getDate() + Number(form.day));
    day.setHours(Number(match[1]), Number(match[2]), 0, 0);
    return day.toISOString();
  };
  if (form.when === "at") callback.when.at = instant(form.from);
  if (form.when === "between") {
    callback.when.from = instant(form.from);
    callback.when.to = instant(form.to);
  }
  return callback;
}

function callbackForm() {
  return {
    when: $("note-callback-when").value,
    day: $("note-callback-day").value,
    from: $("note-callback-from").value,
    to: $("note-callback-to").value,
    with: $("note-callback-with").value,
  };
}

function noteBody(callback = null) {
  return {
    caller_name: $("note-caller-name").value,
    caller_company: $("note-company").value,
    caller_phone: $("note-phone").value.trim() || null,
    message: $("note-message").value,
    for_employees: [...document.querySelectorAll('#note-for input:checked')].map((b) => b.value),
    for_general: $("note-general").checked,
    urgent: $("note-urgent").checked,
    callback_wish: $("note-callback").value.trim() || null,
    callback,
    actions: [],
    emergency: emergencyTaken,
  };
}

// The typed note survives a reload or an expired session.
function saveDraft() {
  if (current) localStorage.setItem(`centrale.note.${current.call_id}`, JSON.stringify({ ...noteBody(), callback_form: callbackForm() }));
}

function restoreDraft() {
  const saved = current && localStorage.getItem(`centrale.note.${current.call_id}`);
  if (!saved) return;
  const draft = JSON.parse(saved);
  $("note-caller-name").value = draft.caller_name;
  $("note-company").value = draft.caller_company;
  $("note-phone").value = draft.caller_phone ?? "";
  $("note-message").value = draft.message;
  $("note-urgent").checked = draft.urgent;
  $("note-general").checked = draft.for_general;
  $("note-callback").value = draft.callback_wish ?? "";
  emergencyTaken = draft.emergency ?? [];
  for (const taken of emergencyTaken) {
    const steps = current.pop.instructions.content.emergency;
    const i = steps.findIndex((s) => sameStep(s, taken.step));
    if (i >= 0) $(`emergency-${i}-done`).checked = true;
  }
  const form = draft.callback_form ?? {};
  for (const field of ["when", "day", "from", "to", "with"]) {
    if (form[field] !== undefined) $(`note-callback-${field}`).value = form[field];
  }
  document.querySelectorAll("#note-for input").forEach((b) => { b.checked = draft.for_employees.includes(b.value); });
}

// The call's length since it was answered, every second, until it ends.
function startTimer(from) {
  clearInterval(callTimer);
  const show = () => {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(from)) / 1000));
    $("pop-timer").textContent = `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
  };
  show();
  callTimer = setInterval(show, 1000);
}

// F8 holds my caller from the console, or resumes.
async function toggleHold() {
  if (!current) return;
  try {
    await Centrale.api("PUT", `/api/v1/calls/${current.call_id}/hold`, { held: !heldFromConsole });
    heldFromConsole = !heldFromConsole;
  } catch (error) {
    $("note-status").textContent = error.message;
  }
}

// Whether the call on screen is held, and by whom: the operator's phone or the caller.
function showHold(by) {
  const hold = $("pop-hold");
  hold.hidden = !by;
  hold.textContent = by ? hold.dataset[by] : "";
}

async function saveNote(event) {
  event?.preventDefault();
  const status = $("note-status");
  if (!current) return;
  saveDraft();
  try {
    const note = await Centrale.api("PUT", `/api/v1/calls/${current.call_id}/note`, noteBody(callbackBody()));
    status.textContent = $("note-form").dataset.saved;
    status.dataset.ok = "true";
    localStorage.removeItem(`centrale.note.${current.call_id}`);
    return note;
  } catch (error) {
    status.textContent = `${$("note-form").dataset.failed}: ${error.message}`;
    status.dataset.ok = "false";
  }
}

let searchTimer;
async function search() {
  const query = $("search").value.trim();
  const results = $("search-results");
  if (query.length < 2) return results.replaceChildren();
  const clients = await Centrale.api("GET", `/api/v1/clients?q=${encodeURIComponent(query)}`);
  const items = clients.map((c) => Centrale.el("li", c.name));
  if (current) {
    try {
      const notes = await Centrale.api("GET", `/api/v1/clients/${current.pop.client_id}/notes?q=${encodeURIComponent(query)}`);
      items.push(...notes.map((n) => Centrale.el("li", `${n.created_at.slice(0, 16).replace("T", " ")} ${n.caller_name}: ${n.message}`)));
    } catch (_) { /* no notes search yet */ }
  }
  results.replaceChildren(...items);
}

document.addEventListener("keydown", (event) => {
  const keys = { F2: "available", F3: "pause", F4: "offline" };
  if (keys[event.key]) {
    event.preventDefault();
    setState(keys[event.key]);
  } else if (event.key === "F6") {
    event.preventDefault();
    $("search").focus();
  } else if (event.key === "F8" && current) {
    event.preventDefault();
    toggleHold();
  } else if ((event.key === "F9" || event.key === "F10") && consulting) {
    event.preventDefault();
    consultStep(event.key === "F9" ? "complete" : "return");
  } else if (event.key === "F7" && current) {
    event.preventDefault();
    ($("transfer-destinations").querySelector("button") ?? $("transfer-number")).focus();
  } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    saveNote();
  }
});
document.querySelectorAll(".states button").forEach((b) => b.addEventListener("click", () => setState(b.dataset.state)));
$("note-form").addEventListener("submit", saveNote);
$("transfer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const number = $("transfer-number").value.trim();
  if (number) transfer(number, event.submitter?.value ?? "consult");
});
$("note-form").addEventListener("input", saveDraft);
$("search").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(search, 200); });

Centrale.events({
  "operator.state": (e) => { if (e.operator_id === me) showState(e.state, e.registered); },
  "call.offered": (e) => { if (e.operator_id === me) showPop(e); },
  "call.caller_history": (e) => { if (e.operator_id === me && current?.call_id === e.call_id) showHistory(e.last_notes); },
  "call.held": (e) => { if (current?.call_id === e.call_id) showHold(e.by); },
  "call.resumed": (e) => {
    if (current?.call_id === e.call_id) {
      showHold(null);
      heldFromConsole = false;
    }
  },
  "call.transfer": (e) => { if (e.operator_id === me && current?.call_id === e.call_id) showTransfer(e); },
  "call.queued": refreshQueue,
  "call.answered": (e) => {
    if (e.operator_id === me && current?.call_id === e.call_id) startTimer(e.at);
    refreshQueue();
  },
  "call.ended": (e) => {
    if (current?.call_id === e.call_id) clearInterval(callTimer);
    refreshQueue();
  },
}, () => { refreshState(); refreshQueue(); });
setInterval(renderQueue, 1000);
refreshState();
refreshQueue();
Centrale.api("GET", "/api/v1/transfer-prices").then((list) => {
  prices = Object.fromEntries(list.map((p) => [p.line, p.cents]));
});
