// The viewer page: reads the share token from the URL fragment (so it never reaches a server
// log or a Referer header), removes it from the address bar, connects to /v1/view with the
// token in the subprotocol list, and renders the session live. Reconnects with exponential
// backoff and jitter, resuming with ?since=<last seq> so no event is shown twice; stops on the
// close codes that end a share (4401, 4403, 4410, 4429).

import { formatDuration, parseTime, show } from "./dom.js";
import { Timeline } from "./render.js";

const PROTOCOL = "share-relay.v1";
const TOKEN_PATTERN = /clw_share_[A-Za-z0-9]{32}/;
const TOKEN_STORAGE_KEY = "share-relay.viewer-token";

/** Backoff: 0.5 s doubling up to 15 s, each delay drawn between half and all of it. */
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;

/** Close codes after which reconnecting cannot help: the page shows an end screen. */
const FINAL_CLOSES = {
  4401: ["This link is not valid", "The share token was not recognised. Check that you copied the whole link, or ask the owner for a new one."],
  4403: ["The owner stopped sharing", "This session is no longer shared. Ask the owner for a new link if you need to keep watching."],
  4410: ["This share has expired", "The link was valid for a limited time, which is over. Ask the owner for a new link."],
  4429: ["Too many viewers", "This share has reached its limit of viewers. Try again later."],
};

const $ = (id) => document.getElementById(id);

class Viewer {
  constructor(token) {
    this.token = token;
    this.lastSeq = null;
    this.attempt = 0;
    this.socket = null;
    this.ended = false;
    this.expiresAt = null;
    this.stickToBottom = true;
    this.timeline = new Timeline($("timeline"), (status) => this.sessionStatus(status));
    window.addEventListener("scroll", () => this.scrolled(), { passive: true });
    $("jump").addEventListener("click", () => this.jumpToLatest());
    setInterval(() => this.renderExpiry(), 1000);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = this.lastSeq === null ? "" : `?since=${this.lastSeq}`;
    this.connection(this.attempt === 0 ? "connecting" : "reconnecting", this.attempt === 0 ? "connecting…" : "reconnecting…");
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/v1/view${query}`, [PROTOCOL, this.token]);
    } catch (error) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener("message", (message) => this.received(message.data));
    socket.addEventListener("close", (close) => this.closed(close.code));
  }

  received(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    switch (message.type) {
      case "hello":
        this.attempt = 0;
        this.connection("connected", "connected");
        if (typeof message.sessionId === "string") $("session-id").textContent = message.sessionId;
        this.expiresAt = parseTime(message.expiresAt);
        this.renderExpiry();
        this.presence(message);
        break;
      case "event":
        // Resume makes the relay skip what we have; this guard keeps "exactly once" even if a
        // relay ever sent an event again.
        if (!Number.isFinite(message.seq) || (this.lastSeq !== null && message.seq <= this.lastSeq)) return;
        this.lastSeq = message.seq;
        this.afterRender(() => this.timeline.add(message));
        break;
      case "gap":
        this.afterRender(() => this.timeline.gap(message.from, message.to));
        if (Number.isFinite(message.to) && (this.lastSeq === null || message.to > this.lastSeq)) this.lastSeq = message.to;
        break;
      case "presence":
        this.presence(message);
        break;
      default:
        break;
    }
  }

  closed(code) {
    this.socket = null;
    if (this.ended) return;
    const final = FINAL_CLOSES[code];
    if (final) {
      this.end(code, final[0], final[1]);
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.attempt += 1;
    this.connection("reconnecting", `reconnecting in ${Math.max(1, Math.round(delay / 1000))} s…`);
    setTimeout(() => this.connect(), delay);
  }

  end(code, title, text) {
    this.ended = true;
    sessionStorage.removeItem(TOKEN_STORAGE_KEY);
    $("ended-title").textContent = title;
    $("ended-text").textContent = text;
    $("ended").dataset.code = String(code);
    show($("ended"), true);
    this.connection("ended", "ended");
    show($("presenter"), false);
    show($("viewers"), false);
    show($("expiry"), false);
    window.scrollTo(0, 0);
  }

  connection(state, text) {
    const node = $("connection");
    node.dataset.state = state;
    node.textContent = text;
  }

  presence(message) {
    if (typeof message.presenter === "boolean") {
      const node = $("presenter");
      node.textContent = message.presenter ? "presenter online" : "presenter offline";
      node.dataset.state = message.presenter ? "online" : "offline";
      show(node, true);
    }
    if (Number.isFinite(message.viewers)) {
      const node = $("viewers");
      node.textContent = message.viewers === 1 ? "1 viewer" : `${message.viewers} viewers`;
      show(node, true);
    }
  }

  sessionStatus(status) {
    const node = $("session-status");
    node.textContent = status;
    node.dataset.status = status.toLowerCase();
    show(node, status !== "");
  }

  renderExpiry() {
    if (this.ended) return;
    const node = $("expiry");
    if (this.expiresAt === null) {
      node.textContent = this.socket ? "no expiry" : "";
    } else {
      node.textContent = `expires in ${formatDuration(this.expiresAt - Date.now())}`;
    }
    show(node, node.textContent !== "");
  }

  // Auto-scroll: follow new events while the reader is at the bottom; once they scroll up,
  // leave the page where it is and offer a button back.

  atBottom() {
    const root = document.documentElement;
    return window.innerHeight + window.scrollY >= root.scrollHeight - 48;
  }

  scrolled() {
    this.stickToBottom = this.atBottom();
    if (this.stickToBottom) show($("jump"), false);
  }

  afterRender(render) {
    const follow = this.stickToBottom;
    render();
    if (follow) {
      window.scrollTo(0, document.documentElement.scrollHeight);
    } else {
      show($("jump"), true);
    }
  }

  jumpToLatest() {
    this.stickToBottom = true;
    window.scrollTo(0, document.documentElement.scrollHeight);
    show($("jump"), false);
  }
}

/** The token from "#clw_share_…", "#token=clw_share_…", a pasted link or a bare token. */
function extractToken(text) {
  const match = TOKEN_PATTERN.exec(text || "");
  return match ? match[0] : null;
}

function askForToken() {
  show($("token-form-panel"), true);
  $("connection").textContent = "waiting for a link";
  $("token-form").addEventListener("submit", (submit) => {
    submit.preventDefault();
    const token = extractToken($("token-input").value);
    if (!token) {
      const error = $("token-error");
      error.textContent = "That does not contain a share token (clw_share_ followed by 32 letters and digits).";
      show(error, true);
      return;
    }
    show($("token-form-panel"), false);
    start(token);
  });
  $("token-input").focus();
}

function start(token) {
  sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  new Viewer(token).connect();
}

function main() {
  // A new link opened in this tab changes only the fragment, which loads no new page: start over.
  window.addEventListener("hashchange", () => {
    const token = extractToken(decodeURIComponent(location.hash.slice(1)));
    if (!token) return;
    sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    history.replaceState(null, "", location.pathname + location.search);
    location.reload();
  });
  const fromFragment = extractToken(decodeURIComponent(location.hash.slice(1)));
  if (location.hash) {
    // The fragment never leaves the browser, but it stays in history and on screen: drop it.
    history.replaceState(null, "", location.pathname + location.search);
  }
  // A reload of the same tab keeps watching (the token is kept for this tab only).
  const token = fromFragment ?? sessionStorage.getItem(TOKEN_STORAGE_KEY);
  if (token) start(token);
  else askForToken();
}

main();
