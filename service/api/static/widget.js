/* bookchat widget: a chat with the book on any page, as one self-contained script.
 *
 *   <script src="https://<space>.hf.space/widget.js" async data-api="https://<space>.hf.space"></script>
 *
 * Attributes of the script tag (docs/widget.md): data-api (the backend; default: where this
 * script came from), data-docs (base URL for relative citation links; default: this page's
 * origin), data-title, data-position (right | left), data-offset-x / data-offset-y (CSS
 * lengths from the corner), data-z-index.
 *
 * It adds <bookchat-widget> (shadow DOM, no framework, no build step): a floating button and a
 * chat dialog that streams answers from POST {api}/api/chat (server-sent events read with
 * fetch), renders a small safe Markdown subset with numbered citations, offers "Ask about this
 * selection", thumbs up/down, and errors with a retry button. The session id is kept in
 * localStorage; stored turns come back after a page load exactly as they were shown live.
 * Model and book text only ever become text nodes, never HTML.
 */
(() => {
  "use strict";
  if (window.customElements.get("bookchat-widget")) return;

  // ---------------------------------------------------------------------------------------
  // Configuration from the script tag
  // ---------------------------------------------------------------------------------------
  const script = document.currentScript;
  const attr = (name) => (script && script.getAttribute(name)) || "";
  const scriptUrl = (script && script.src) || window.location.href;
  const API = new URL(attr("data-api") || "/", scriptUrl).href.replace(/\/+$/, "");
  const DOCS = (attr("data-docs") || window.location.origin).replace(/\/+$/, "");
  const TITLE = attr("data-title") || "Ask the book";
  const PLACEMENT = attr("data-position") === "left" ? "left" : "right";
  const OFFSET_X = attr("data-offset-x");
  const OFFSET_Y = attr("data-offset-y");
  const Z_INDEX = /^\d{1,10}$/.test(attr("data-z-index")) ? attr("data-z-index") : "";
  const SESSION_KEY = "bookchat:session";
  const MAX_SELECTION = 8000;
  const CITATION = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;
  const length = (v) => (/^\d+(\.\d+)?$/.test(v) ? `${v}px` : v); // "24" -> "24px"

  // ---------------------------------------------------------------------------------------
  // Styles: colours are variables, light by default, dark when the page says so
  // (html[data-theme="dark"] on Docusaurus, else the reader's prefers-color-scheme)
  // ---------------------------------------------------------------------------------------
  const DARK = `--bc-bg: #242526; --bc-fg: #e3e3e3; --bc-muted: #b4b7bc; --bc-log: #1b1b1d;
    --bc-bubble: #2f3033; --bc-border: #444950; --bc-code: #3a3c40;
    --bc-error-bg: #3b2224; --bc-error-fg: #ffb4b4; --bc-context: #1f3a30;
    --bc-accent: var(--bookchat-accent-dark, var(--bookchat-accent, #25c2a0));
    --bc-on-accent: var(--bookchat-on-accent-dark, var(--bookchat-on-accent, #1b1b1d));
    color-scheme: dark;`;
  const CSS = `
:host { all: initial; --bc-bg: #fff; --bc-fg: #1c1e21; --bc-muted: #5f6368; --bc-log: #f6f7f8;
  --bc-bubble: #fff; --bc-border: #dadde1; --bc-code: #eef0f2; --bc-error-bg: #fff5f5;
  --bc-error-fg: #8a1c1c; --bc-context: #eef6f1;
  --bc-accent: var(--bookchat-accent, #2e8555); --bc-on-accent: var(--bookchat-on-accent, #fff);
  --bc-x: 20px; --bc-y: 20px; --bc-z: 190; --bc-size: 48px; color-scheme: light;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--bc-fg); }
:host([data-theme="dark"]) { ${DARK} }
@media (prefers-color-scheme: dark) { :host(:not([data-theme])) { ${DARK} } }
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; }
:focus-visible { outline: 2px solid var(--bc-accent); outline-offset: 2px; }
.launcher { position: fixed; bottom: var(--bc-y); z-index: var(--bc-z); width: var(--bc-size);
  height: var(--bc-size); border-radius: 50%; border: 0; background: var(--bc-accent);
  color: var(--bc-on-accent); box-shadow: 0 3px 10px rgba(0,0,0,.25); display: grid;
  place-items: center; padding: 0; }
.launcher svg { width: 24px; height: 24px; fill: currentColor; }
.ask-selection { position: fixed; z-index: var(--bc-z); padding: 6px 12px; border-radius: 16px;
  border: 0; background: var(--bc-accent); color: var(--bc-on-accent);
  box-shadow: 0 2px 10px rgba(0,0,0,.25); }
.panel { position: fixed; bottom: calc(var(--bc-y) + var(--bc-size) + 12px); z-index: var(--bc-z);
  display: flex; flex-direction: column; width: min(400px, calc(100vw - 24px));
  height: min(680px, calc(100vh - var(--bc-y) - var(--bc-size) - 28px
    - var(--ifm-navbar-height, 0px)));
  background: var(--bc-bg); color: var(--bc-fg); border: 1px solid var(--bc-border);
  border-radius: 12px; overflow: hidden; box-shadow: 0 10px 36px rgba(0,0,0,.28); }
:host([data-placement="right"]) .launcher, :host([data-placement="right"]) .panel {
  right: var(--bc-x); }
:host([data-placement="left"]) .launcher, :host([data-placement="left"]) .panel {
  left: var(--bc-x); }
@media (max-width: 440px) { .panel { right: 12px !important; left: 12px !important;
  width: auto; } }
header { display: flex; align-items: center; gap: 8px; padding: 10px 12px;
  background: var(--bc-accent); color: var(--bc-on-accent); }
header .title { flex: 1; font-weight: 600; margin: 0; font-size: inherit; }
header button { background: transparent; border: 1px solid currentColor; color: inherit;
  border-radius: 6px; padding: 2px 8px; }
.log { position: relative; flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column;
  gap: 10px; background: var(--bc-log); }
.msg { max-width: 92%; padding: 8px 11px; border-radius: 10px; overflow-wrap: anywhere; }
.user { align-self: flex-end; background: var(--bc-accent); color: var(--bc-on-accent);
  white-space: pre-wrap; }
.user .quote { display: block; margin-bottom: 4px; padding-left: 8px; font-style: italic;
  border-left: 3px solid currentColor; }
.bot { align-self: flex-start; background: var(--bc-bubble); border: 1px solid var(--bc-border); }
.bot p, .bot blockquote, .bot ul, .bot ol, .bot pre { margin: 0 0 6px; }
.bot ul, .bot ol { padding-left: 20px; }
.bot li > ul, .bot li > ol { margin: 2px 0 0; }
.bot blockquote { padding-left: 8px; border-left: 3px solid var(--bc-accent); }
.bot blockquote p { margin: 0; }
.bot code { background: var(--bc-code); border-radius: 4px; padding: 0 3px; font-size: 90%;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.bot pre { background: var(--bc-code); border-radius: 6px; padding: 8px; overflow-x: auto; }
.bot pre code { padding: 0; background: none; white-space: pre; }
.bot a { color: var(--bc-accent); }
a.cite { font-weight: 600; text-decoration: none; }
a.cite:hover, .sources a:hover { text-decoration: underline; }
.sources { margin-top: 8px; padding-top: 6px; border-top: 1px solid var(--bc-border);
  font-size: 13px; }
.sources a { display: block; text-decoration: none; }
.rate { display: flex; align-items: center; gap: 6px; margin-top: 6px; font-size: 13px;
  color: var(--bc-muted); }
.rate button { border: 1px solid var(--bc-border); background: var(--bc-bubble);
  border-radius: 6px; padding: 2px 6px; line-height: 0; color: var(--bc-muted); }
.rate button:hover { color: var(--bc-accent); border-color: var(--bc-accent); }
.rate svg { width: 16px; height: 16px; fill: currentColor; }
.note { align-self: center; font-size: 13px; color: var(--bc-muted); text-align: center; }
.error { background: var(--bc-error-bg); color: var(--bc-error-fg); }
.error button { margin-left: 8px; border: 1px solid currentColor; background: transparent;
  color: inherit; border-radius: 6px; padding: 0 8px; }
.context { display: flex; gap: 6px; align-items: flex-start; margin: 0 12px; padding: 6px 8px;
  border-left: 3px solid var(--bc-accent); background: var(--bc-context); font-size: 13px; }
.context .text { flex: 1; max-height: 4.5em; overflow: hidden; font-style: italic; }
.context button { border: 0; background: transparent; color: inherit; font-size: 16px;
  line-height: 1; }
form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid var(--bc-border); }
textarea { flex: 1; resize: none; font: inherit; padding: 6px 8px; color: var(--bc-fg);
  background: var(--bc-bg); border: 1px solid var(--bc-muted); border-radius: 8px; }
form button { border: 0; border-radius: 8px; padding: 0 14px; background: var(--bc-accent);
  color: var(--bc-on-accent); }
`;

  // Docusaurus keeps a 3rem back-to-top button 1.3rem from the bottom right corner and a sticky
  // table of contents down to 1rem above the bottom. The launcher sits left of that button,
  // and this page-level rule ends the TOC above the launcher (it scrolls inside its box).
  const DOCUSAURUS_SPOT = { x: "calc(1.3rem + 3rem + 0.75rem)", y: "1.3rem" };
  const DOCUSAURUS_PAGE_CSS = `.theme-doc-toc-desktop { max-height: calc(100vh -
    (var(--ifm-navbar-height) + 2rem) - 4rem) !important; }`;

  // ---------------------------------------------------------------------------------------
  // DOM helpers
  // ---------------------------------------------------------------------------------------

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

  /** An absolute http(s) link from an answer; null for any other scheme. */
  function webUrl(url) {
    try {
      const full = new URL(url);
      return full.protocol === "http:" || full.protocol === "https:" ? full.href : null;
    } catch { return null; }
  }

  // ---------------------------------------------------------------------------------------
  // Markdown subset: paragraphs, **bold**, *italics*, `code`, ``` blocks, - and 1. lists
  // (nested by indentation), > quotes, [text](https://...) links, [n] citations. Everything
  // becomes DOM nodes with text content; anything else stays literal text.
  // ---------------------------------------------------------------------------------------
  const INLINE = new RegExp([
    /`([^`\n]+)`/.source, // 1 code
    /\[([^\]\n]+)\]\(([^()\s]+)\)/.source, // 2, 3 link
    CITATION.source, // 4 citation
    /\*\*(?=\S)([^\n]+?)(?<=\S)\*\*|__(?=\S)([^\n]+?)(?<=\S)__/.source, // 5, 6 bold
    /\*(?=[^\s*])([^\n*]+?)(?<=\S)\*|(?<![\w])_(?=[^\s_])([^\n_]+?)(?<=\S)_(?![\w])/.source, // 7, 8
  ].join("|"), "g");
  const LIST_ITEM = /^(\s*)([-*+]|\d{1,3}[.)])\s+(.*)$/;
  const FENCE = /^\s*(`{3,}|~{3,})/;

  /** Inline Markdown as nodes; cite(n) gives the node for a citation marker. */
  function inline(text, cite) {
    const out = [];
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) out.push(text.slice(last, m.index));
      if (m[1] != null) out.push(h("code", {}, m[1]));
      else if (m[2] != null) {
        const href = webUrl(m[3]);
        out.push(href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" },
          inline(m[2], cite)) : m[0]);
      } else if (m[4] != null) {
        m[4].split(",").forEach((n) => out.push(cite(Number(n.trim()))));
      } else if (m[5] != null || m[6] != null) out.push(h("strong", {}, inline(m[5] ?? m[6], cite)));
      else out.push(h("em", {}, inline(m[7] ?? m[8], cite)));
      last = m.index + m[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  /** A list starting at lines[i], nested lists for deeper items; returns [node, next index]. */
  function list(lines, i, cite) {
    const first = LIST_ITEM.exec(lines[i]);
    const indent = first[1].length;
    const node = h(/\d/.test(first[2]) ? "ol" : "ul");
    let item = null;
    while (i < lines.length && lines[i].trim()) {
      const m = LIST_ITEM.exec(lines[i]);
      const depth = m ? m[1].length : lines[i].search(/\S/);
      if (m && depth > indent && item) {
        const [nested, next] = list(lines, i, cite);
        item.append(nested);
        i = next;
        continue;
      }
      if (m && depth < indent) break;
      if (m) {
        item = h("li", {}, inline(m[3], cite));
        node.append(item);
      } else if (item) item.append(" ", ...inline(lines[i].trim(), cite));
      i += 1;
    }
    return [node, i];
  }

  /** Block Markdown as nodes. */
  function markdown(text, cite) {
    const lines = text.replace(/\r\n/g, "\n").split("\n");
    const blocks = [];
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      const fence = FENCE.exec(line);
      if (!line.trim()) { i += 1; continue; }
      if (fence) {
        const code = [];
        for (i += 1; i < lines.length && !lines[i].trim().startsWith(fence[1]); i += 1) {
          code.push(lines[i]);
        }
        i += 1; // the closing fence (or the end of a block still streaming)
        blocks.push(h("pre", {}, h("code", {}, code.join("\n"))));
      } else if (LIST_ITEM.test(line)) {
        const [node, next] = list(lines, i, cite);
        blocks.push(node);
        i = next;
      } else if (/^\s*>/.test(line)) {
        const quote = h("blockquote");
        for (; i < lines.length && /^\s*>/.test(lines[i]); i += 1) {
          const inner = lines[i].replace(/^\s*>\s?/, "");
          if (inner.trim()) quote.append(h("p", {}, inline(inner, cite)));
        }
        blocks.push(quote);
      } else if (/^#{1,6}\s/.test(line)) {
        blocks.push(h("p", {}, h("strong", {}, inline(line.replace(/^#+\s+/, ""), cite))));
        i += 1;
      } else {
        const para = h("p");
        for (let first = true; i < lines.length && lines[i].trim() && !FENCE.test(lines[i])
          && !LIST_ITEM.test(lines[i]) && !/^\s*>/.test(lines[i]); i += 1, first = false) {
          if (!first) para.append(h("br"));
          para.append(...inline(lines[i], cite));
        }
        blocks.push(para);
      }
    }
    return blocks;
  }

  // ---------------------------------------------------------------------------------------
  // Server-sent events and small network helpers
  // ---------------------------------------------------------------------------------------

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

  const FOCUSABLE = "button, a[href], textarea, input, select, [tabindex]:not([tabindex='-1'])";

  // ---------------------------------------------------------------------------------------
  // The element
  // ---------------------------------------------------------------------------------------
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
      this.place();
      this.followTheme();
      document.addEventListener("selectionchange", () => {
        clearTimeout(this.selectionTimer);
        this.selectionTimer = setTimeout(() => this.offerSelection(), 120);
      });
    }

    build(root) {
      this.launcher = h("button", { class: "launcher", "aria-label": TITLE,
        "aria-expanded": "false", "aria-controls": "bookchat-panel", "aria-haspopup": "dialog",
        on: { click: () => this.toggle() } }, svgIcon(CHAT_ICON));
      this.askButton = h("button", { class: "ask-selection", hidden: true, on: {
        mousedown: (e) => e.preventDefault(), // keep the page's selection
        click: () => this.askAboutSelection() } }, "Ask about this selection");
      this.log = h("div", { class: "log", role: "log", "aria-live": "polite",
        "aria-label": "Conversation", tabindex: "0" });
      this.contextText = h("div", { class: "text" });
      this.contextBox = h("div", { class: "context", hidden: true }, this.contextText,
        h("button", { type: "button", "aria-label": "Remove the selection",
          on: { click: () => { this.setContext(null); this.input.focus(); } } }, "×"));
      this.input = h("textarea", { rows: 2, maxlength: 4000, "aria-label": "Your question",
        placeholder: "Ask a question about the book…", on: { keydown: (e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            if (!this.controller) this.submit(); // while streaming, only the Stop button stops
          }
        } } });
      this.sendButton = h("button", { type: "submit" }, "Send");
      const form = h("form", { on: { submit: (e) => { e.preventDefault(); this.submit(); } } },
        this.input, this.sendButton);
      this.panel = h("section", { class: "panel", id: "bookchat-panel", role: "dialog",
        "aria-modal": "true", "aria-labelledby": "bookchat-title", hidden: true,
        on: { keydown: (e) => this.onDialogKey(e) } },
      h("header", {}, h("h2", { class: "title", id: "bookchat-title" }, TITLE),
        h("button", { type: "button", on: { click: () => this.newChat() } }, "New chat"),
        h("button", { type: "button", "aria-label": "Close", on: { click: () => this.toggle(false) } }, "×")),
      this.log, this.contextBox, form);
      root.append(this.launcher, this.askButton, this.panel);
    }

    /** Corner, offsets and stacking; on Docusaurus, a spot that covers none of the theme. */
    place() {
      const docusaurus = !!document.querySelector('meta[name="generator"][content^="Docusaurus"]');
      this.dataset.placement = PLACEMENT;
      const spot = docusaurus && PLACEMENT === "right" ? DOCUSAURUS_SPOT : null;
      const x = OFFSET_X ? length(OFFSET_X) : spot && spot.x;
      const y = OFFSET_Y ? length(OFFSET_Y) : spot && spot.y;
      if (x) this.style.setProperty("--bc-x", x);
      if (y) this.style.setProperty("--bc-y", y);
      if (Z_INDEX) this.style.setProperty("--bc-z", Z_INDEX);
      if (docusaurus && PLACEMENT === "right") {
        try {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(DOCUSAURUS_PAGE_CSS);
          document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        } catch { /* an old browser: the TOC may reach under the launcher */ }
      }
    }

    /** Mirror html[data-theme] on the element, now and whenever the site's toggle changes it. */
    followTheme() {
      const html = document.documentElement;
      const sync = () => {
        const theme = html.getAttribute("data-theme");
        if (theme) this.setAttribute("data-theme", theme); else this.removeAttribute("data-theme");
      };
      sync();
      new MutationObserver(sync).observe(html, { attributes: true, attributeFilter: ["data-theme"] });
    }

    // --- the dialog: open, close, focus kept inside, Escape from anywhere in it -----------

    toggle(open = this.panel.hidden) {
      if (open === !this.panel.hidden) return;
      this.panel.hidden = !open;
      this.launcher.setAttribute("aria-expanded", String(open));
      if (!open) { this.launcher.focus(); return; }
      if (!this.started) { this.started = true; this.restore(); }
      this.input.focus();
    }

    focusables() {
      return [...this.panel.querySelectorAll(FOCUSABLE)]
        .filter((el) => !el.disabled && el.getClientRects().length > 0);
    }

    onDialogKey(e) {
      if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); this.toggle(false); return; }
      if (e.key !== "Tab") return;
      const items = this.focusables();
      if (!items.length) return;
      const active = this.shadowRoot.activeElement;
      const first = items[0], last = items[items.length - 1];
      if (e.shiftKey && (active === first || !items.includes(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !items.includes(active))) {
        e.preventDefault();
        first.focus();
      }
    }

    // --- the conversation ------------------------------------------------------------------

    setSession(id) {
      this.session = id;
      try {
        if (id) localStorage.setItem(SESSION_KEY, id); else localStorage.removeItem(SESSION_KEY);
      } catch { /* storage blocked: the session lasts as long as the page */ }
    }

    note(text) { this.log.append(h("div", { class: "note" }, text)); }

    scrollDown() { this.log.scrollTop = this.log.scrollHeight; }

    /** Show the stored turns of the kept session as they were shown live, or a welcome note. */
    async restore() {
      this.note("Ask anything about the book. Select text on the page to ask about it.");
      if (!this.session) return;
      try {
        const res = await fetch(`${API}/api/conversation/${encodeURIComponent(this.session)}`);
        if (res.status === 404) { this.setSession(null); return; }
        if (!res.ok) return;
        for (const m of (await res.json()).messages) {
          if (m.role === "human") this.addUser(m.content, m.selected_text || null);
          else if (m.role === "ai") {
            this.finish(this.addAnswer(), m.content, m.sources || [],
              { citations: m.citations || [], message_id: m.id });
          }
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
      this.input.focus();
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
      const body = h("div", { class: "body" });
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
          else if (event === "token") {
            text += data.text; // painted token by token: answers are short, parsing is cheap
            this.paint(answer, text, sources, null);
            this.scrollDown();
          }
          else if (event === "done") done = data;
          else if (event === "error") throw new Error(data.message);
        }
        if (!done) throw new Error("The connection closed before the answer was complete.");
        this.finish(answer, text, sources, done);
      } catch (err) {
        const stopped = controller.signal.aborted;
        const message = stopped ? "You stopped this answer."
          : err instanceof TypeError ? "Could not reach the assistant. Check your connection."
          : err.message;
        answer.node.classList.add("error");
        answer.body.replaceChildren(message, h("button", { type: "button", on: { click: () => {
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

    /** The answer's text as Markdown, [n] linked: to the cited URL once done, else to the
     * numbered source while it streams. */
    paint(answer, text, sources, citations) {
      const urls = new Map((citations || sources).map((c) => [c.n, docsUrl(c.url)]));
      const cite = (n) => {
        const href = urls.get(n);
        return href ? h("a", { class: "cite", href, title: this.titleOf(sources, n) }, `[${n}]`)
          : `[${n}]`;
      };
      answer.body.replaceChildren(...markdown(text, cite));
      return urls;
    }

    /** A finished answer, live or restored: text, the Sources it cites, thumbs. */
    finish(answer, text, sources, done) {
      const urls = this.paint(answer, text, sources, (done && done.citations) || []);
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
