// Shared by the console and the wallboard: API calls with the session's CSRF token, the
// event stream, and what to do when the session has expired (keep the work, offer a login).
"use strict";

const Centrale = {
  csrf: document.querySelector('meta[name="csrf-token"]')?.content ?? "",

  async api(method, path, body, extraHeaders = {}) {
    const headers = { "X-CSRF-Token": Centrale.csrf, ...extraHeaders };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      Centrale.sessionExpired();
      throw new Error("session expired");
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = new Error(data?.error ?? response.statusText);
      error.field = data?.field;
      error.code = data?.code;
      throw error;
    }
    return data;
  },

  sessionExpired() {
    const banner = document.getElementById("session-expired");
    if (banner) banner.hidden = false;
  },

  // Live events; reconnects by itself (EventSource does), reports expiry once. Nothing is
  // replayed, so `connected` runs whenever the stream (re)opens: what happened before it did
  // is read afresh.
  events(handlers, connected) {
    const source = new EventSource("/api/v1/events");
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (message) => handler(JSON.parse(message.data)));
    }
    if (connected) source.addEventListener("open", connected);
    source.onerror = async () => {
      try {
        await Centrale.api("GET", "/api/v1/staff/me");
      } catch (_) {
        source.close();
      }
    };
    return source;
  },

  seconds(ms) {
    return `${Math.max(0, Math.round(ms / 1000))} s`;
  },

  el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  },
};
