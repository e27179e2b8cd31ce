/* bookchat widget: a chat with the book on any page, as one self-contained script.
 *
 *   <script src="https://<space>.hf.space/widget.js" async data-api="https://<space>.hf.space"></script>
 *
 * Attributes of the script tag: data-api (the backend; default: where this script came from),
 * data-docs (base URL for relative citation links; default: this page's origin), data-title.
 * It adds <bookchat-widget> (shadow DOM, no framework): a floating button, a chat panel that
 * streams answers from POST {api}/api/chat (server-sent events read with fetch), numbered
 * citations, "Ask about this selection", thumbs up/down, errors with a retry button. The session
 * id is kept in localStorage, so a conversation survives page loads.
 */
(() => {
  "use strict";
  if (window.customElements.get("bookchat-widget")) return;

  const script = document.currentScript;
  const attr = (name) => (script && script.getAttribute(name)) || "";
  const scriptUrl = (script && script.src) || window.location.href;
  const API = new URL(attr("data-api") || "/", scriptUrl).href.replace(/\/+$/, "");
  const DOCS = (attr("data-docs") || window.location.origin).replace(/\/+$/, "");
  const TITLE = attr("data-title") || "Ask the book";
  const SESSION_KEY = "bookchat:session";
  const MAX_SELECTION = 8000;
  const CITATION = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

  const CSS = `
:host { all: initial; --accent: var(--bookchat-accent, #2e8555); font: 15px/1.45 system-ui,
  -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c1e21; }
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px;
  height: 56px; border-radius: 50%; border: 0; background: var(--accent); color: #fff;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); display: grid; place-items: center; }
.launcher svg { width: 26px; height: 26px; fill: currentColor; }
.ask-selection { position: fixed; z-index: 2147483001; padding: 6px 12px; border-radius: 16px;
  border: 0; background: var(--accent); color: #fff; box-shadow: 0 2px 10px rgba(0,0,0,.25); }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; display: flex;
  flex-direction: column; width: min(400px, calc(100vw - 24px)); height: min(680px,
  calc(100vh - 110px)); background: #fff; border-radius: 12px; overflow: hidden;
  box-shadow: 0 10px 36px rgba(0,0,0,.28); }
header { display: flex; align-items: center; gap: 8px; padding: 10px 12px;
  background: var(--accent); color: #fff; }
header .title { flex: 1; font-weight: 600; }
header button { background: transparent; border: 1px solid rgba(255,255,255,.6); color: #fff;
  border-radius: 6px; padding: 2px 8px; }
.log { position: relative; flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column;
  gap: 10px; background: #f6f7f8; }
.msg { max-width: 92%; padding: 8px 11px; border-radius: 10px; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.user { align-self: flex-end; background: var(--accent); color: #fff; }
.user .quote { display: block; margin-bottom: 4px; padding-left: 8px; opacity: .9;
  border-left: 3px solid rgba(255,255,255,.7); font-style: italic; }
.bot { align-self: flex-start; background: #fff; border: 1px solid #e3e5e8; white-space: normal; }
.bot p, .bot blockquote { margin: 0 0 6px; }
.bot blockquote { padding-left: 8px; border-left: 3px solid var(--accent); color: #3b3f45; }
.bot .item { margin: 0 0 6px; padding-left: 14px; text-indent: -10px; }
.bot .streaming { white-space: pre-wrap; }
.bot code { background: #eef0f2; border-radius: 4px; padding: 0 3px; font-size: 90%; }
a.cite { color: var(--accent); font-weight: 600; text-decoration: none; }
a.cite:hover, .sources a:hover { text-decoration: underline; }
.sources { margin-top: 8px; padding-top: 6px; border-top: 1px solid #e3e5e8; font-size: 13px; }
.sources a { display: block; color: var(--accent); text-decoration: none; }
.rate { display: flex; align-items: center; gap: 6px; margin-top: 6px; font-size: 13px;
  color: #5f6368; }
.rate button { border: 1px solid #d0d3d7; background: #fff; border-radius: 6px; padding: 2px 6px;
  line-height: 0; color: #5f6368; }
.rate button:hover { color: var(--accent); border-color: var(--accent); }
.rate svg { width: 16px; height: 16px; fill: currentColor; }
.note { align-self: center; font-size: 13px; color: #5f6368; text-align: center; }
.error { border-color: #e0a3a3; background: #fff5f5; color: #8a1c1c; }
.error button { margin-left: 8px; border: 1px solid #8a1c1c; background: #fff; color: #8a1c1c;
  border-radius: 6px; padding: 0 8px; }
.context { display: flex; gap: 6px; align-items: flex-start; margin: 0 12px; padding: 6px 8px;
  border-left: 3px solid var(--accent); background: #eef6f1; font-size: 13px; }
.context .text { flex: 1; max-height: 4.5em; overflow: hidden; font-style: italic; }
.context button { border: 0; background: transparent; font-size: 16px; line-height: 1; }
form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #e3e5e8; }
textarea { flex: 1; resize: none; font: inherit; padding: 6px 8px; border: 1px solid #c9ccd1;
  border-radius: 8px; }
form button { border: 0; border-radius: 8px; padding: 0 14px; background: var(--accent);
  color: #fff; }
`;

  /** A DOM element; children are nodes or strings (always text, never HTML). */
  function h(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "on") Object.entries(value).forEach(([ev, fn]) => node.addEventListener(ev, fn));
      else if (key === "class") node.className = value;
      else if (value === true) node.setAttribute(key, "");
      else if (value !== false && value != null) node.setAttribute(key, String(value));
    }
    node.append(...children.flat().filter((c) => c != null));
    return node;
  }

  const CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h10V9H7zm0-4v2h10V5H7zm0 8v2h6v-2H7z";
  const THUMB_ICON = "M2 10h4v11H2zM8 10l4-7c1.5 0 2.5 1 2 3l-1 4h6c1.5 0 2.5 1.3 2 2.7l-2 6.8c-.3.9-1.1 1.5-2 1.5H8z";

  /** An inline SVG icon (emoji fonts are missing on many systems). */
  function svgIcon(d, flip = false) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    if (flip) path.setAttribute("transform", "rotate(180 12 12)");
    svg.append(path);
    return svg;
  }

  /** A citation or source URL on the docs site; null unless it is http(s). */
  function docsUrl(url) {
    if (!url) return null;
    try {
      const full = /^[a-z][a-z0-9+.-]*:/i.test(url) ? new URL(url)
        : url.startsWith("/") ? new URL(DOCS + url) : new URL(url, DOCS + "/");
      return full.protocol === "http:" || full.protocol === "https:" ? full.href : null;
    } catch { return null; }
  }

  /** Server-sent events of a fetch body: {event, data} with data parsed from JSON. */
  async function* readEvents(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer = (buffer + value).replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (!line || line.startsWith(":")) continue; // keep-alive comment
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
        if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
      }
    }
  }

  function savedSession() {
    try { return localStorage.getItem(SESSION_KEY); } catch { return null; }
  }

  async function errorText(response) {
    if (response.status === 503) return "The assistant is starting up. Try again in a moment.";
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return String(body.error.message);
    } catch { /* not JSON */ }
    return `The assistant answered with an error (${response.status}).`;
  }

  class BookchatWidget extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: "open" });
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch {
        root.append(h("style", {}, CSS));
      }
      this.session = savedSession();
      this.context = null; // {text} the selection the next question is about
      this.pending = null; // the selection the floating button offers
      this.controller = null; // the answer in flight
      this.build(root);
      document.addEventListener("selectionchange", () => {
        clearTimeout(this.selectionTimer);
        this.selectionTimer = setTimeout(() => this.offerSelection(), 120);
      });
    }

    build(root) {
      const icon = svgIcon(CHAT_ICON);
      this.launcher = h("button", { class: "launcher", "aria-label": TITLE, "aria-expanded": "false",
        on: { click: () => this.toggle() } }, icon);
      this.askButton = h("button", { class: "ask-selection", hidden: true, on: {
        mousedown: (e) => e.preventDefault(), // keep the page's selection
        click: () => this.askAboutSelection() } }, "Ask about this selection");
      this.log = h("div", { class: "log", role: "log", "aria-live": "polite" });
      this.contextText = h("div", { class: "text" });
      this.contextBox = h("div", { class: "context", hidden: true }, this.contextText,
        h("button", { type: "button", "aria-label": "Remove the selection",
          on: { click: () => this.setContext(null) } }, "×"));
      this.input = h("textarea", { rows: 2, maxlength: 4000, "aria-label": "Your question",
        placeholder: "Ask a question about the book…", on: { keydown: (e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            if (!this.controller) this.submit(); // while streaming, only the Stop button stops
          }
          if (e.key === "Escape") this.toggle(false);
        } } });
      this.sendButton = h("button", { type: "submit" }, "Send");
      const form = h("form", { on: { submit: (e) => { e.preventDefault(); this.submit(); } } },
        this.input, this.sendButton);
      this.panel = h("section", { class: "panel", role: "dialog", "aria-label": TITLE, hidden: true },
        h("header", {}, h("span", { class: "title" }, TITLE),
          h("button", { type: "button", on: { click: () => this.newChat() } }, "New chat"),
          h("button", { type: "button", "aria-label": "Close", on: { click: () => this.toggle(false) } }, "×")),
        this.log, this.contextBox, form);
      root.append(this.launcher, this.askButton, this.panel);
    }

    toggle(open = this.panel.hidden) {
      this.panel.hidden = !open;
      this.launcher.setAttribute("aria-expanded", String(open));
      if (!open) return;
      if (!this.started) { this.started = true; this.restore(); }
      this.input.focus();
    }

    setSession(id) {
      this.session = id;
      try {
        if (id) localStorage.setItem(SESSION_KEY, id); else localStorage.removeItem(SESSION_KEY);
      } catch { /* storage blocked: the session lasts as long as the page */ }
    }

    note(text) { this.log.append(h("div", { class: "note" }, text)); }

    scrollDown() { this.log.scrollTop = this.log.scrollHeight; }

    /** Show the stored turns of the kept session, or a welcome note. */
    async restore() {
      this.note("Ask anything about the book. Select text on the page to ask about it.");
      if (!this.session) return;
      try {
        const res = await fetch(`${API}/api/conversation/${encodeURIComponent(this.session)}`);
        if (res.status === 404) { this.setSession(null); return; }
        if (!res.ok) return;
        for (const m of (await res.json()).messages) {
          if (m.role === "human") this.addUser(m.content, null);
          else if (m.role === "ai") this.render(this.addAnswer(), m.content, [], null);
        }
        this.scrollDown();
      } catch { /* offline: start fresh on screen, the session is kept */ }
    }

    async newChat() {
      if (this.controller) this.controller.abort();
      const old = this.session;
      this.setSession(null);
      this.log.replaceChildren();
      this.note("New conversation. Ask anything about the book.");
      if (old) {
        fetch(`${API}/api/conversation/${encodeURIComponent(old)}`, { method: "DELETE" })
          .catch(() => {});
      }
    }

    offerSelection() {
      const sel = document.getSelection();
      const text = sel && !sel.isCollapsed ? sel.toString().trim() : "";
      const inside = sel && (this.contains(sel.anchorNode) || this.shadowRoot.contains(sel.anchorNode));
      if (text.length < 3 || inside) {
        this.askButton.hidden = true;
        this.pending = null;
        return;
      }
      const rect = sel.getRangeAt(0).getBoundingClientRect();
      this.pending = { text: text.slice(0, MAX_SELECTION) };
      this.askButton.style.top = `${Math.min(rect.bottom + 8, window.innerHeight - 48)}px`;
      this.askButton.style.left = `${Math.max(8, Math.min(rect.left, window.innerWidth - 220))}px`;
      this.askButton.hidden = false;
    }

    askAboutSelection() {
      if (!this.pending) return;
      this.setContext(this.pending);
      this.askButton.hidden = true;
      this.toggle(true);
    }

    setContext(context) {
      this.context = context;
      this.contextText.textContent = context ? `“${context.text}”` : "";
      this.contextBox.hidden = !context;
      if (context) this.input.placeholder = "What would you like to know about this passage?";
      else this.input.placeholder = "Ask a question about the book…";
    }

    submit() {
      if (this.controller) { this.controller.abort(); return; } // the button reads "Stop"
      const message = this.input.value.trim() || (this.context ? "Explain this passage." : "");
      if (!message) return;
      const request = { message, selected_text: this.context ? this.context.text : null,
        page_url: window.location.href };
      this.input.value = "";
      this.setContext(null);
      this.addUser(message, request.selected_text);
      this.run(request);
    }

    addUser(text, quote) {
      const quoted = quote ? h("span", { class: "quote" },
        quote.length > 160 ? `${quote.slice(0, 160)}…` : quote) : null;
      this.log.append(h("div", { class: "msg user" }, quoted, text));
      this.scrollDown();
    }

    addAnswer() {
      const body = h("div", { class: "streaming" });
      const node = h("div", { class: "msg bot" }, body);
      this.log.append(node);
      this.scrollDown();
      return { node, body };
    }

    /** Ask once; the same request can be retried from the error it ends with. */
    async run(request) {
      const answer = this.addAnswer();
      const controller = new AbortController();
      this.busy(controller);
      let text = "", sources = [], done = null;
      try {
        const response = await fetch(`${API}/api/chat`, {
          method: "POST", signal: controller.signal, credentials: "omit",
          headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
          body: JSON.stringify({ ...request, session_id: this.session }),
        });
        if (!response.ok) throw new Error(await errorText(response));
        for await (const { event, data } of readEvents(response.body)) {
          if (event === "session") this.setSession(data.session_id);
          else if (event === "sources") sources = data;
          else if (event === "token") { text += data.text; answer.body.textContent = text; this.scrollDown(); }
          else if (event === "done") done = data;
          else if (event === "error") throw new Error(data.message);
        }
        if (!done) throw new Error("The connection closed before the answer was complete.");
        this.render(answer, text, sources, done);
      } catch (err) {
        const stopped = controller.signal.aborted;
        const message = stopped ? "You stopped this answer."
          : err instanceof TypeError ? "Could not reach the assistant. Check your connection."
          : err.message;
        answer.node.classList.add("error");
        answer.body.textContent = message;
        answer.body.append(h("button", { type: "button", on: { click: () => {
          answer.node.remove();
          this.run(request);
        } } }, "Retry"));
      } finally {
        this.busy(null);
        this.scrollDown();
      }
    }

    busy(controller) {
      this.controller = controller;
      this.sendButton.textContent = controller ? "Stop" : "Send";
    }

    /** The finished answer: paragraphs, quotes and bullets, [n] linked to the cited sections. */
    render(answer, text, sources, done) {
      const urls = new Map(((done && done.citations) || []).map((c) => [c.n, docsUrl(c.url)]));
      const inline = (line) => line.split(/(\*\*[^*]+\*\*|`[^`]+`)/).flatMap((part) => {
        if (/^\*\*[^*]+\*\*$/.test(part)) return [h("strong", {}, part.slice(2, -2))];
        if (/^`[^`]+`$/.test(part)) return [h("code", {}, part.slice(1, -1))];
        const out = [];
        let last = 0;
        for (const m of part.matchAll(CITATION)) {
          out.push(part.slice(last, m.index));
          for (const n of m[1].split(",").map((s) => Number(s.trim()))) {
            const href = urls.get(n);
            out.push(href ? h("a", { class: "cite", href, title: this.titleOf(sources, n) }, `[${n}]`)
              : `[${n}]`);
          }
          last = m.index + m[0].length;
        }
        out.push(part.slice(last));
        return out;
      });
      const blocks = text.split("\n").filter((line) => line.trim()).map((line) => {
        if (line.startsWith("> ")) return h("blockquote", {}, inline(line.slice(2)));
        if (/^\s*[-*] /.test(line)) return h("div", { class: "item" }, "• ", inline(line.replace(/^\s*[-*] /, "")));
        return h("p", {}, inline(line));
      });
      answer.body.className = "";
      answer.body.replaceChildren(...blocks);
      const cited = [...urls].filter(([, href]) => href).map(([n, href]) =>
        h("a", { href }, `[${n}] ${this.titleOf(sources, n)}`));
      if (cited.length) answer.node.append(h("div", { class: "sources" }, "Sources", cited));
      if (done && done.message_id) answer.node.append(this.rating(done.message_id));
    }

    titleOf(sources, n) {
      const s = sources.find((x) => x.n === n);
      return s ? [s.title, s.section].filter(Boolean).filter((v, i, a) => a.indexOf(v) === i).join(" › ") : "";
    }

    rating(messageId) {
      const row = h("div", { class: "rate" }, "Helpful?");
      const send = async (score) => {
        row.replaceChildren("Sending…");
        try {
          const res = await fetch(`${API}/api/feedback`, { method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ message_id: messageId, score }) });
          row.replaceChildren(res.ok ? "Thanks for your feedback." : "Could not send your feedback.");
        } catch { row.replaceChildren("Could not send your feedback."); }
      };
      row.append(
        h("button", { type: "button", "aria-label": "Helpful", title: "Helpful",
          on: { click: () => send(1) } }, svgIcon(THUMB_ICON)),
        h("button", { type: "button", "aria-label": "Not helpful", title: "Not helpful",
          on: { click: () => send(-1) } }, svgIcon(THUMB_ICON, true)));
      return row;
    }
  }

  window.customElements.define("bookchat-widget", BookchatWidget);
  const mount = () => {
    if (!document.querySelector("bookchat-widget")) document.body.append(document.createElement("bookchat-widget"));
  };
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
