// Renders the relay's events into the viewer's timeline.
//
// Each relay event is {"type":"event","seq":N,"time":"…","data":<what the presenter sent>}.
// clawd forwards its JSON-RPC notifications verbatim, so `data` is usually
// {"jsonrpc":"2.0","method":"session.…","params":{…}}. The renderer is tolerant: a missing or
// oddly shaped field degrades to showing less, or to formatted JSON, never to an error. Shapes
// accepted (documented in docs/web.md too):
//
//   method        `data.method`, else `data.type`, else `data.event`
//   params        `data.params`, else `data` itself
//
//   session.messageCreated / session.messageUpdated
//     message     `params.message` ({id, role, content}), else `params` itself
//     id          `message.id`, else `params.messageId`, else `message.messageId`
//     role        `message.role` ("user", "assistant", "system", "tool", …; default "assistant")
//     content     a string; or an array of parts ({type:"text", text} or {text}; other parts
//                 shown as JSON); or {text}; anything else shown as JSON
//     delta       `params.delta` / `message.delta` (string), appended instead of replacing
//     An update replaces the content of the message with the same id (created if unknown).
//
//   session.toolCallCreated / session.toolCallUpdated
//     toolCall    `params.toolCall`, else `params.tool_call`, else `params` itself
//     id          `toolCall.id`, else `params.toolCallId`
//     name        `toolCall.name`, else `toolCall.tool`
//     input       `toolCall.input`, else `toolCall.arguments`, else `toolCall.args`
//     status      `toolCall.status` (e.g. "running", "completed", "failed")
//     output      `toolCall.output`, else `toolCall.result`, else `toolCall.error`
//     An update merges the fields it carries into the block with the same id.
//
//   session.statusChanged
//     status      `params.status` (a string, or an object whose `state`/`status`/`name` is used)
//
//   anything else: the method (or "event") as a label and `data` as indented JSON.
//
// Every string from the stream is set with textContent; nothing is parsed as HTML.

import { asText, el } from "./dom.js";

function methodOf(data) {
  if (data && typeof data === "object" && !Array.isArray(data)) {
    for (const key of ["method", "type", "event"]) {
      if (typeof data[key] === "string") return data[key];
    }
  }
  return null;
}

function paramsOf(data) {
  if (data && typeof data === "object" && data.params && typeof data.params === "object") return data.params;
  return data && typeof data === "object" ? data : {};
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The text of a message's content, whatever shape it came in. */
export function contentText(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        if (typeof part === "string") return part;
        if (isObject(part) && typeof part.text === "string") return part.text;
        return asText(part);
      })
      .join("\n");
  }
  if (isObject(content) && typeof content.text === "string") return content.text;
  if (content === undefined || content === null) return "";
  return asText(content);
}

function statusText(status) {
  if (typeof status === "string") return status;
  if (isObject(status)) {
    for (const key of ["state", "status", "name"]) {
      if (typeof status[key] === "string") return status[key];
    }
  }
  return status === undefined ? "" : asText(status);
}

export class Timeline {
  /**
   * @param {HTMLOListElement} list where items go
   * @param {(status: string) => void} onStatus called with the session status text
   */
  constructor(list, onStatus) {
    this.list = list;
    this.onStatus = onStatus;
    this.messages = new Map();
    this.toolCalls = new Map();
  }

  /** Renders one relay event ({seq, time, data}). */
  add(event) {
    const data = event.data;
    const method = methodOf(data);
    const params = paramsOf(data);
    switch (method) {
      case "session.messageCreated":
      case "session.messageUpdated":
        this.message(event, params, method === "session.messageUpdated");
        break;
      case "session.toolCallCreated":
      case "session.toolCallUpdated":
        this.toolCall(event, params);
        break;
      case "session.statusChanged":
        this.status(event, params);
        break;
      default:
        this.raw(event, method);
    }
  }

  /** A marker for events the relay no longer had (a `gap` message). */
  gap(from, to) {
    const item = this.item("gap", null);
    const count = Number.isFinite(to - from) ? to - from + 1 : null;
    const what = count === 1 ? "1 event" : count ? `${count} events` : "Some events";
    item.append(el("span", null, `${what} (${from}–${to}) are no longer kept by the relay and are missing here.`));
  }

  item(kind, event) {
    // Something new follows: whatever was streaming before has stopped.
    for (const streaming of this.list.querySelectorAll(".streaming")) streaming.classList.remove("streaming");
    const item = el("li", `item ${kind}`);
    if (event && Number.isFinite(event.seq)) item.dataset.seq = String(event.seq);
    this.list.append(item);
    return item;
  }

  message(event, params, isUpdate) {
    const message = isObject(params.message) ? params.message : params;
    const rawID = message.id ?? params.messageId ?? message.messageId;
    const id = rawID === undefined || rawID === null ? null : String(rawID);
    const delta = typeof params.delta === "string" ? params.delta : typeof message.delta === "string" ? message.delta : null;
    let entry = id !== null ? this.messages.get(id) : undefined;
    if (!entry) {
      const role = typeof message.role === "string" && message.role ? message.role : "assistant";
      const item = this.item(`message role-${role.replace(/[^a-z]/gi, "").toLowerCase() || "other"}`, event);
      if (id !== null) item.dataset.messageId = id;
      const head = el("div", "meta");
      head.append(el("span", "role", role));
      if (event.time) head.append(el("time", "time", shortTime(event.time)));
      const body = el("div", "content");
      item.append(head, body);
      entry = { item, body, text: "" };
      if (id !== null) this.messages.set(id, entry);
    }
    if (delta !== null && !("content" in message)) {
      entry.text += delta;
    } else if ("content" in message || !isUpdate) {
      entry.text = contentText(message.content);
    }
    entry.body.textContent = entry.text;
    entry.item.classList.toggle("streaming", isUpdate && message.done !== true && message.status !== "completed");
    if (isUpdate) entry.item.dataset.updatedSeq = String(event.seq);
  }

  toolCall(event, params) {
    const call = isObject(params.toolCall) ? params.toolCall : isObject(params.tool_call) ? params.tool_call : params;
    const rawID = call.id ?? params.toolCallId ?? call.toolCallId;
    const id = rawID === undefined || rawID === null ? null : String(rawID);
    let entry = id !== null ? this.toolCalls.get(id) : undefined;
    if (!entry) {
      const item = this.item("tool", event);
      if (id !== null) item.dataset.toolCallId = id;
      const details = el("details", "tool-call");
      const summary = el("summary");
      const name = el("span", "tool-name", "tool");
      const status = el("span", "badge tool-status");
      status.hidden = true;
      summary.append(el("span", "tool-icon", "⚙"), name, status);
      const input = el("pre", "tool-input");
      const output = el("pre", "tool-output");
      const inputLabel = el("div", "label", "Input");
      const outputLabel = el("div", "label", "Output");
      inputLabel.hidden = input.hidden = true;
      outputLabel.hidden = output.hidden = true;
      details.append(summary, inputLabel, input, outputLabel, output);
      item.append(details);
      entry = { item, name, status, input, output, inputLabel, outputLabel };
      if (id !== null) this.toolCalls.set(id, entry);
    }
    const name = call.name ?? call.tool;
    if (name !== undefined) entry.name.textContent = asText(name);
    if (call.status !== undefined) {
      const text = statusText(call.status);
      entry.status.textContent = text;
      entry.status.dataset.status = text.toLowerCase();
      entry.status.hidden = text === "";
    }
    const input = call.input ?? call.arguments ?? call.args;
    if (input !== undefined) {
      entry.input.textContent = asText(input);
      entry.input.hidden = entry.inputLabel.hidden = false;
    }
    const output = call.output ?? call.result ?? call.error;
    if (output !== undefined) {
      entry.output.textContent = asText(output);
      entry.output.hidden = entry.outputLabel.hidden = false;
    }
  }

  status(event, params) {
    const text = statusText(params.status ?? params.state);
    const item = this.item("status", event);
    item.append(el("span", null, "Session status: "), el("span", "badge session-badge", text));
    item.lastChild.dataset.status = text.toLowerCase();
    this.onStatus(text);
  }

  raw(event, method) {
    const item = this.item("raw", event);
    const details = el("details", "raw-event");
    details.open = true;
    details.append(el("summary", null, method ?? "event"), el("pre", null, asText(event.data)));
    item.append(details);
  }
}

function shortTime(value) {
  const time = Date.parse(value);
  if (Number.isNaN(time)) return "";
  return new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
