// The owner console: creates, lists and revokes shares through POST /rpc (docs/rpc.md) with
// the owner key as a Bearer token. The key is kept in sessionStorage (this tab only) and never
// put in a URL. The list refreshes by itself; expiry times count down every second.

import { el, formatDuration, parseTime, shortToken, show } from "./dom.js";

const KEY_STORAGE = "share-relay.owner-key";
const SESSION_STORAGE = "share-relay.session-id";
const REFRESH_MS = 3000;

const $ = (id) => document.getElementById(id);

class RPCError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

let nextID = 1;

async function rpc(method, params) {
  const key = sessionStorage.getItem(KEY_STORAGE);
  let response;
  try {
    response = await fetch("/rpc", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextID++, method, params }),
      cache: "no-store",
    });
  } catch {
    throw new RPCError("cannot reach the relay", 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new RPCError(`the relay answered HTTP ${response.status}`, response.status);
  }
  if (body && body.error) throw new RPCError(String(body.error.message ?? "error"), response.status);
  if (!response.ok || !body) throw new RPCError(`the relay answered HTTP ${response.status}`, response.status);
  return body.result;
}

class Console {
  constructor() {
    this.shares = [];
    this.refreshTimer = null;
    $("key-form").addEventListener("submit", (submit) => {
      submit.preventDefault();
      const key = $("key-input").value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      $("key-input").value = "";
      this.showPanels();
    });
    $("forget-key").addEventListener("click", () => {
      sessionStorage.removeItem(KEY_STORAGE);
      this.shares = [];
      this.showPanels();
    });
    $("expiry-select").addEventListener("change", () => {
      const custom = $("expiry-select").value === "custom";
      show($("custom-minutes"), custom);
      if (custom) $("custom-minutes").focus();
    });
    $("session-input").value = sessionStorage.getItem(SESSION_STORAGE) ?? "";
    $("session-input").addEventListener("change", () => {
      sessionStorage.setItem(SESSION_STORAGE, $("session-input").value.trim());
      this.refresh();
    });
    $("share-form").addEventListener("submit", (submit) => {
      submit.preventDefault();
      this.create();
    });
    $("copy-link").addEventListener("click", () => this.copyLink());
    setInterval(() => this.renderCountdowns(), 1000);
    this.showPanels();
  }

  showPanels() {
    const hasKey = Boolean(sessionStorage.getItem(KEY_STORAGE));
    show($("key-panel"), !hasKey);
    show($("share-panel"), hasKey);
    show($("list-panel"), hasKey);
    show($("forget-key"), hasKey);
    clearInterval(this.refreshTimer);
    if (hasKey) {
      this.refresh();
      this.refreshTimer = setInterval(() => this.refresh(), REFRESH_MS);
    } else {
      $("key-input").focus();
    }
  }

  sessionID() {
    return $("session-input").value.trim();
  }

  error(message) {
    const node = $("console-error");
    node.textContent = message ?? "";
    show(node, Boolean(message));
  }

  failed(error) {
    if (error.status === 401) {
      sessionStorage.removeItem(KEY_STORAGE);
      this.showPanels();
      this.error(null);
      const panel = $("key-panel");
      let note = panel.querySelector(".error");
      if (!note) {
        note = el("p", "error");
        panel.append(note);
      }
      note.textContent = `The owner key was refused: ${error.message}`;
      return;
    }
    this.error(error.message);
  }

  expiresIn() {
    const choice = $("expiry-select").value;
    if (choice !== "custom") return Number(choice);
    const minutes = Number($("custom-minutes").value);
    if (!Number.isInteger(minutes) || minutes < 1) return null;
    return minutes * 60;
  }

  async create() {
    const sessionID = this.sessionID();
    const expiresIn = this.expiresIn();
    if (!sessionID) return this.error("Enter the id of the session to share.");
    if (expiresIn === null) return this.error("Enter the custom expiry as a whole number of minutes.");
    sessionStorage.setItem(SESSION_STORAGE, sessionID);
    try {
      const result = await rpc("session.share", { session_id: sessionID, expires_in: expiresIn });
      this.error(null);
      $("created-link").value = `${location.origin}/s#${result.shareToken}`;
      $("copy-state").textContent = result.expiresAt ? `Valid until ${new Date(result.expiresAt).toLocaleString()}.` : "Never expires.";
      show($("created"), true);
      await this.refresh();
    } catch (error) {
      this.failed(error);
    }
  }

  async copyLink() {
    const field = $("created-link");
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      field.select();
      copied = document.execCommand("copy");
    }
    $("copy-state").textContent = copied ? "Link copied." : "Select the link and copy it.";
    $("copy-link").textContent = copied ? "Copied ✓" : "Copy link";
    setTimeout(() => ($("copy-link").textContent = "Copy link"), 2000);
  }

  async refresh() {
    const sessionID = this.sessionID();
    $("list-session").textContent = sessionID;
    if (!sessionID || !sessionStorage.getItem(KEY_STORAGE)) {
      this.shares = [];
      this.renderList();
      return;
    }
    try {
      const result = await rpc("session.shareList", { session_id: sessionID });
      if (sessionID !== this.sessionID()) return;
      this.shares = Array.isArray(result?.shares) ? result.shares : [];
      this.renderList();
      $("list-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      this.failed(error);
    }
  }

  async revoke(token, button) {
    button.disabled = true;
    try {
      await rpc("session.revokeShare", { share_token: token });
      this.error(null);
      this.shares = this.shares.filter((share) => share.shareToken !== token);
      this.renderList();
      await this.refresh();
    } catch (error) {
      button.disabled = false;
      this.failed(error);
    }
  }

  /** Updates the table in place (rows keyed by token), so a refresh never replaces a button under the pointer. */
  renderList() {
    const rows = $("share-rows");
    const existing = new Map([...rows.children].map((row) => [row.dataset.token, row]));
    for (const share of this.shares) {
      const token = String(share.shareToken ?? "");
      let row = existing.get(token);
      existing.delete(token);
      if (!row) row = this.makeRow(token);
      row.querySelector("td.expires").dataset.expiresAt = share.expiresAt ?? "";
      row.querySelector("td.viewers").textContent = Number.isFinite(share.viewers) ? String(share.viewers) : "–";
      rows.append(row);  // moves an existing row into list order
    }
    for (const gone of existing.values()) gone.remove();
    show($("list-empty"), this.shares.length === 0);
    show($("shares"), this.shares.length > 0);
    this.renderCountdowns();
  }

  makeRow(token) {
    const row = el("tr");
    row.dataset.token = token;
    const tokenCell = el("td", "token", shortToken(token));
    tokenCell.title = "share token (shortened)";
    const action = el("td", "action");
    const button = el("button", "danger", "Revoke");
    button.type = "button";
    button.addEventListener("click", () => this.revoke(token, button));
    action.append(button);
    row.append(tokenCell, el("td", "expires"), el("td", "viewers"), action);
    return row;
  }

  renderCountdowns() {
    for (const cell of document.querySelectorAll("#share-rows td.expires")) {
      const expiresAt = parseTime(cell.dataset.expiresAt);
      cell.textContent = expiresAt === null ? "never" : expiresAt <= Date.now() ? "expired" : formatDuration(expiresAt - Date.now());
    }
  }
}

new Console();
