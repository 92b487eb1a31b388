// smsmock outbox: the messages the mock sent and the request journal, kept live by a long poll on
// GET api/events. Plain JavaScript, no dependencies: it is served by the mock and works offline.
"use strict";

(() => {
  const endpoint = (path) => new URL(path ? "api/" + path : "api", document.baseURI); // the page is at /__smsmock/
  const NAMES = { quickflow: "QuickFlow", quickcom: "QuickCom", smsflow: "SMSFlow" };
  const PENDING = new Set(["queued", "scheduled", "sent"]);
  const LIMIT = 500; // messages and journal entries kept on the page
  const PAGE = 100; // journal entries fetched at a time: the page never asks for the whole journal
  const TOKEN = "smsmock-admin-token"; // sessionStorage key of the admin token (servers beyond loopback)
  // Bidirectional controls (embeddings, overrides, isolates, marks): shown as visible codes in the raw
  // views, so that a text cannot reorder what follows it.
  const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  const QUIET_WAIT = 20; // seconds a long poll waits when nothing can change by itself
  const BUSY_WAIT = 1; // ... when messages are on their way under a running clock

  const state = {
    version: null, epoch: null, clock: null,
    messages: [], total: 0, outboxSize: 0, seenIds: new Set(), loaded: false,
    journal: [], lastSeq: 0,
    detailId: null, outboxRequest: 0,
  };

  const $ = (id) => document.getElementById(id);
  const els = {
    live: $("live"), clock: $("clock"), deliver: $("deliver"), reset: $("reset"),
    filters: $("filters"), provider: $("f-provider"), recipient: $("f-recipient"), text: $("f-text"),
    summary: $("summary"), tbody: $("messages"), empty: $("empty"),
    countMessages: $("count-messages"), countJournal: $("count-journal"), countProblems: $("count-problems"),
    journal: $("journal"), journalEmpty: $("journal-empty"), journalSummary: $("journal-summary"),
    onlyProblems: $("j-problems"),
    detail: $("detail"), detailTitle: $("detail-title"), detailBody: $("detail-body"),
    confirm: $("confirm-reset"), announcer: $("announcer"),
  };

  // -- small helpers -------------------------------------------------------------------------------

  /** An element: h("td", {class: "x"}, child, "text", ...). Text is always set as text, never as HTML. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /** A text as a node of its own direction: isolated, so that its bidi controls end with it (<bdi>). */
  const iso = (text) => h("bdi", {}, text);
  const visibleBidi = (text) => String(text).replace(BIDI, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}>`);

  async function api(path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    const token = sessionStorage.getItem(TOKEN);
    if (token) headers["X-Smsmock-Token"] = token;
    if (options.method === "POST" && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
    const response = await fetch(endpoint(path), {
      cache: "no-store", ...options, headers, body: options.body ?? (options.method === "POST" ? "{}" : undefined),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error((body && body.error) || `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const plural = (n, one, many = one + "s") => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
  const providerName = (name) => NAMES[name] || name || "—";
  const phone = (digits) => (/^\d+$/.test(digits || "") ? "+" + digits : digits || "—");

  let announceTimer = 0;
  function announce(text) {
    clearTimeout(announceTimer);
    els.announcer.textContent = "";
    announceTimer = setTimeout(() => { els.announcer.textContent = text; }, 60);
  }

  const dateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  const longFormat = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
    timeZone: "UTC", hour12: false,
  });
  /** "09:30:05" from the mock's ISO times (always UTC). */
  const clockTime = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) : "—");
  const day = (iso) => (iso ? dateFormat.format(new Date(iso)) : "");
  const stamp = (iso) => (iso ? longFormat.format(new Date(iso)) + " UTC" : "—");

  function badge(kind, label) {
    return h("span", { class: `badge badge-${kind}` }, label || kind);
  }

  function provider(name) {
    return h("span", { class: "provider", "data-provider": name }, providerName(name));
  }

  // -- messages ------------------------------------------------------------------------------------

  function filters() {
    const query = new URLSearchParams();
    for (const [name, el] of [["provider", els.provider], ["recipient", els.recipient], ["text", els.text]]) {
      const value = el.value.trim();
      if (value) query.set(name, value);
    }
    return query;
  }

  function filtered() {
    return [...filters().keys()].length > 0;
  }

  async function loadMessages({ announceNew = true } = {}) {
    const query = filters();
    query.set("limit", String(LIMIT));
    const ticket = ++state.outboxRequest;
    const body = await api("outbox?" + query);
    if (ticket !== state.outboxRequest) return; // a newer request (other filters) answers instead
    const arrived = state.loaded ? body.messages.filter((m) => !state.seenIds.has(m.id)) : [];
    for (const m of body.messages) state.seenIds.add(m.id);
    state.messages = body.messages;
    state.total = body.total;
    state.loaded = true;
    renderMessages(new Set(arrived.map((m) => m.id)));
    if (announceNew && arrived.length) announce(`${plural(arrived.length, "new message")}: ${visibleBidi(arrived[0].text.slice(0, 80))}`);
  }

  function messageRow(m) {
    const open = `#/message/${encodeURIComponent(m.id)}`;
    const row = h("tr", { "data-id": m.id },
      h("td", { class: "c-time time" }, clockTime(m.created_at), h("small", {}, day(m.created_at))),
      h("td", { class: "c-provider" }, provider(m.provider)),
      h("td", { class: "c-sender mono" }, iso(m.sender || "—"), h("span", { class: "route-mobile" }, " → ", iso(phone(m.recipient)))),
      h("td", { class: "c-recipient recipient" }, iso(phone(m.recipient))),
      h("td", { class: "c-text text-cell" }, h("a", { class: "text-link", href: open }, iso(m.text || "(empty)"))),
      h("td", { class: "c-encoding" },
        h("span", { class: m.encoding === "UCS-2" ? "chip chip-ucs2" : "chip" }, m.encoding),
        h("span", { class: "meta-mobile" }, ` · ${plural(m.segments, "segment")} · ${plural(m.credits, "credit")}`)),
      h("td", { class: "c-segments num" }, m.segments),
      h("td", { class: "c-credits num" }, m.credits),
      h("td", { class: "c-status" }, badge(m.status)),
    );
    row.dataset.status = m.status;
    row.addEventListener("click", (event) => {
      if (event.target.closest("a")) return; // the link opens it already
      location.hash = open;
    });
    return row;
  }

  /** Update the table in place: new rows go on top, existing ones keep their node (and any focus). */
  function renderMessages(fresh) {
    const rows = new Map([...els.tbody.rows].map((row) => [row.dataset.id, row]));
    const wanted = new Set(state.messages.map((m) => m.id));
    for (const [id, row] of rows) if (!wanted.has(id)) row.remove();
    state.messages.forEach((m, index) => {
      let row = rows.get(m.id);
      if (!row) {
        row = messageRow(m);
        if (fresh.has(m.id)) {
          row.classList.add("fresh");
          row.addEventListener("animationend", () => row.classList.remove("fresh"), { once: true });
        }
      } else if (row.dataset.status !== m.status) {
        row.dataset.status = m.status;
        row.querySelector(".c-status").replaceChildren(badge(m.status));
      }
      if (els.tbody.rows[index] !== row) els.tbody.insertBefore(row, els.tbody.rows[index] || null);
    });

    els.countMessages.textContent = state.outboxSize.toLocaleString("en");
    const shown = state.messages.length;
    if (filtered()) {
      els.summary.textContent = `${plural(state.total, "message")} match the filters (of ${state.outboxSize.toLocaleString("en")})`
        + (shown < state.total ? `; showing the newest ${shown}` : "");
    } else {
      els.summary.textContent = `${plural(state.total, "message")}, newest first`
        + (shown < state.total ? `; showing the newest ${shown}` : "");
    }
    els.empty.hidden = shown > 0;
    if (!shown) renderEmpty();
  }

  function renderEmpty() {
    if (filtered()) {
      els.empty.replaceChildren(h("strong", {}, "No message matches these filters"), "Clear them to see every message.");
      return;
    }
    const origin = location.origin;
    els.empty.replaceChildren(
      h("strong", {}, "No messages yet"),
      "Point your application at the mock; every text it sends shows up here as it happens.",
      h("br"),
      h("pre", { class: "raw" },
        `curl -X POST ${origin}/api/method/quickflow.sms.send \\\n`
        + `  -H "Authorization: token your_api_key:your_api_secret" \\\n`
        + `  -H "Content-Type: application/json" \\\n`
        + `  -d '{"recipient": "254700000000", "sender_id": "YOUR_SENDER_ID", "message": "Hello from QuickFlow!"}'`),
    );
  }

  // -- journal -------------------------------------------------------------------------------------

  function isProblem(entry) {
    return entry.outcome === "rejected" || entry.outcome === "unmatched" || (entry.violations || []).length > 0
      || (entry.response_problems || []).length > 0;
  }

  function outcomeBadge(entry) {
    if (entry.outcome === "ok" && (entry.violations || []).length) return badge("violation", "ok, with violations");
    return badge(entry.outcome || "unmatched", entry.outcome || "unmatched");
  }

  function reason(kind, label, text) {
    return h("li", { class: `reason-${kind}` }, h("span", { class: "reason-label" }, label), " ", iso(visibleBidi(text)));
  }

  /** Why a request stands out: violations, the refusal, the nearest operations, an injected fault. */
  function reasons(entry) {
    const items = [];
    for (const v of entry.violations || []) {
      items.push(v.ignored
        ? reason("ignored", "Contract violation (ignored by the platform):", v.text)
        : reason("refused", "Contract violation:", v.text));
    }
    if (entry.error) items.push(reason("refused", "Rejected:", entry.error.message));
    if (entry.outcome === "unmatched") {
      items.push(reason("refused", "No operation:", entry.reason || "unmatched"));
      for (const near of entry.nearest || []) {
        items.push(reason("info", "Nearest:", `${near.method} ${near.path} (${near.operation}): ${near.why}`));
      }
    }
    for (const problem of entry.response_problems || []) items.push(reason("refused", "Answer outside the spec:", problem));
    if (entry.fault) {
      const f = entry.fault;
      const what = [f.status && `status ${f.status}`, f.example && `example ${f.example}`,
        f.latency && `${f.latency} s latency`, f.drop && "dropped connection"].filter(Boolean).join(", ");
      items.push(reason("info", "Injected fault:", what || "matched"));
    }
    return items.length ? h("ul", { class: "reasons" }, items) : null;
  }

  function requestLine(entry) {
    const query = (entry.query || []).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    return `${entry.method} ${entry.path}${query ? "?" + query : ""}`;
  }

  function pretty(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") {
      try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
    }
    return JSON.stringify(value, null, 2);
  }

  function rawRequest(entry) {
    const lines = [requestLine(entry)];
    for (const [name, value] of Object.entries(entry.headers || {})) lines.push(`${name}: ${value}`);
    let body = "";
    if (entry.form && entry.form.length) body = entry.form.map(([k, v]) => `${k}=${v}`).join("\n");
    else if (entry.body) body = pretty(entry.body);
    return lines.join("\n") + (body ? "\n\n" + body : "");
  }

  function rawAnswer(entry) {
    const reply = entry.reply || {};
    const lines = [`HTTP ${reply.status ?? entry.status ?? "—"}`];
    for (const [name, value] of Object.entries(reply.headers || {})) lines.push(`${name}: ${value}`);
    const body = pretty(reply.body);
    return lines.join("\n") + (body ? "\n\n" + body : "");
  }

  function exchange(entry) {
    return h("div", { class: "exchange" },
      h("div", {}, h("h4", { class: "raw-title" }, "Request"), h("pre", { class: "raw" }, visibleBidi(rawRequest(entry)))),
      h("div", {}, h("h4", { class: "raw-title" }, "Answer"), h("pre", { class: "raw" }, visibleBidi(rawAnswer(entry)))));
  }

  function journalItem(entry) {
    const classes = ["entry", `outcome-${entry.outcome || "unmatched"}`];
    if ((entry.violations || []).length) classes.push("has-violations");
    if (isProblem(entry)) classes.push("problem");
    const status = entry.status ?? (entry.reply || {}).status;
    const where = [providerName(entry.provider), entry.operation].filter(Boolean).join(" · ");
    const details = h("details", {}, h("summary", {}, "Request and answer"));
    details.addEventListener("toggle", () => {
      if (details.open && details.children.length === 1) details.append(exchange(entry));
    }, { once: false });
    return h("li", { class: classes.join(" "), "data-seq": entry.seq },
      h("div", { class: "entry-head" },
        h("span", { class: "entry-seq" }, `#${entry.seq}`),
        h("span", { class: "time" }, clockTime(entry.time)),
        h("span", { class: "entry-request mono" }, iso(visibleBidi(`${entry.method} ${entry.path}`))),
        h("span", { class: status >= 400 ? "entry-status error" : "entry-status" }, `→ ${status}`),
        where ? h("span", { class: "entry-op" }, where) : null,
        outcomeBadge(entry)),
      reasons(entry),
      details);
  }

  /** The journal since the last entry shown, a page at a time; at first only the newest LIMIT entries. */
  async function loadJournal() {
    let body = await api(`journal?since=${state.lastSeq}&limit=${PAGE}`);
    if (body.total < state.lastSeq) { // reset behind our back: start over
      state.journal = [];
      state.lastSeq = 0;
      els.journal.replaceChildren();
      return loadJournal();
    }
    if (state.lastSeq === 0 && body.total > LIMIT && body.entries.length && body.entries[0].seq <= body.total - LIMIT) {
      state.lastSeq = body.total - LIMIT; // older entries would be dropped at once: skip them
      body = await api(`journal?since=${state.lastSeq}&limit=${PAGE}`);
    }
    for (;;) {
      for (const entry of body.entries) {
        state.journal.push(entry);
        state.lastSeq = Math.max(state.lastSeq, entry.seq);
        els.journal.prepend(journalItem(entry));
      }
      while (state.journal.length > LIMIT) {
        const old = state.journal.shift();
        els.journal.querySelector(`[data-seq="${old.seq}"]`)?.remove();
      }
      if (body.next === null || body.next === undefined || !body.entries.length) break;
      body = await api(`journal?since=${state.lastSeq}&limit=${PAGE}`);
    }
    renderJournalCounts(body.total);
  }

  function renderJournalCounts(total) {
    const problems = state.journal.filter(isProblem).length;
    els.countJournal.textContent = total.toLocaleString("en");
    els.countProblems.hidden = problems === 0;
    els.countProblems.textContent = plural(problems, "problem");
    els.journalSummary.textContent = total
      ? `${plural(total, "request")}, newest first; ${plural(problems, "problem")}`
        + (state.journal.length < total ? ` (the page keeps the last ${state.journal.length})` : "")
      : "";
    els.journalEmpty.hidden = total > 0;
  }

  // -- detail --------------------------------------------------------------------------------------

  function fact(label, ...value) {
    return [h("dt", {}, label), h("dd", {}, ...value)];
  }

  async function openDetail(id) {
    state.detailId = id;
    els.detailTitle.textContent = "Message";
    els.detailBody.replaceChildren(h("p", { class: "summary" }, "Loading…"));
    if (!els.detail.open) els.detail.showModal();
    let message, entry = null;
    try {
      message = await api(`outbox/${encodeURIComponent(id)}`);
    } catch (error) {
      els.detailBody.replaceChildren(h("p", {}, `This message is gone: ${error.message}`));
      return;
    }
    if (message.journal_seq) {
      try { entry = await api(`journal/${message.journal_seq}`); } catch { entry = null; }
    }
    if (state.detailId !== id) return;
    renderDetail(message, entry);
  }

  function renderDetail(m, entry) {
    els.detailTitle.replaceChildren(`${providerName(m.provider)} message to `, iso(phone(m.recipient)));
    const chars = [...(m.text || "")].length;
    const facts = h("dl", { class: "facts" },
      fact("Status", badge(m.status)),
      fact("Provider", provider(m.provider)),
      fact("Sender ID", h("span", { class: "mono" }, iso(m.sender || "—"))),
      fact("Recipient", iso(phone(m.recipient))),
      fact("Created", stamp(m.created_at)),
      m.scheduled ? fact("Scheduled for", stamp(m.send_at)) : null,
      fact("Sent", m.sent_at ? stamp(m.sent_at) : "Not yet"),
      fact("Delivered", m.delivered_at ? stamp(m.delivered_at)
        : m.status === "failed" ? "No: delivery failed (this number always fails)" : "Not yet"),
      fact("Encoding", `${m.encoding}, ${plural(m.segments, "segment")}, ${plural(m.credits, "credit")}`),
      m.campaign ? fact("Campaign", h("span", { class: "mono" }, m.campaign)) : null,
      fact("Operation", h("span", { class: "mono" }, m.operation || "—")),
      fact("Account", h("span", { class: "mono" }, m.account || "—")),
      fact("Message ID", h("span", { class: "mono" }, m.id)),
    );
    const sections = [
      h("div", { class: "bubble-wrap" },
        h("p", { class: "bubble" }, iso(m.text)),
        h("span", { class: "bubble-meta" }, `${plural(chars, "character")} · ${m.encoding} · ${plural(m.segments, "segment")}`)),
      h("section", { "aria-labelledby": "facts-title" }, h("h3", { id: "facts-title" }, "Details"), facts),
    ];
    if (entry) {
      sections.push(h("section", { "aria-labelledby": "exchange-title" },
        h("h3", { id: "exchange-title" }, `The request that sent it (journal #${entry.seq})`),
        reasons(entry), exchange(entry)));
    } else {
      sections.push(h("p", { class: "summary" },
        "The request that sent this message is no longer in the journal (it keeps the latest requests only)."));
    }
    els.detailBody.replaceChildren(...sections);
  }

  function closeDetail() {
    if (els.detail.open) els.detail.close();
  }

  els.detail.addEventListener("close", () => {
    state.detailId = null;
    if (location.hash.startsWith("#/message/")) history.replaceState(null, "", "#/messages");
  });
  els.detail.addEventListener("click", (event) => {
    if (event.target === els.detail || event.target.closest("[data-close]")) closeDetail(); // backdrop or ✕
  });

  // -- tabs and routing ----------------------------------------------------------------------------

  const tabs = [...document.querySelectorAll('[role="tab"]')];

  function selectTab(tab, { focus = false, route = true } = {}) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    if (route) history.replaceState(null, "", tab.id === "tab-journal" ? "#/journal" : "#/messages");
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      const index = tabs.indexOf(tab);
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length], { focus: true });
    });
  }

  function route() {
    const hash = decodeURIComponent(location.hash);
    if (hash.startsWith("#/message/")) {
      selectTab($("tab-messages"), { route: false });
      openDetail(hash.slice("#/message/".length));
    } else {
      closeDetail();
      selectTab(hash === "#/journal" ? $("tab-journal") : $("tab-messages"), { route: false });
    }
  }
  window.addEventListener("hashchange", route);

  // -- filters and actions -------------------------------------------------------------------------

  let filterTimer = 0;
  function onFilter() {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(async () => {
      try {
        await loadMessages({ announceNew: false });
        announce(filtered() ? `${plural(state.total, "message")} match` : `Showing all ${plural(state.total, "message")}`);
      } catch (error) { showDown(error); }
    }, 200);
  }
  els.filters.addEventListener("input", onFilter);
  els.filters.addEventListener("change", onFilter); // a select may report only this one
  els.filters.addEventListener("submit", (event) => event.preventDefault());
  els.filters.addEventListener("reset", () => setTimeout(onFilter, 0));

  els.onlyProblems.addEventListener("change", () => {
    els.journal.classList.toggle("only-problems", els.onlyProblems.checked);
  });

  els.reset.addEventListener("click", () => els.confirm.showModal());
  els.confirm.addEventListener("close", async () => {
    if (els.confirm.returnValue !== "reset") return;
    try {
      await api("reset", { method: "POST", body: "{}" });
      await startOver();
      announce("The mock is back to its seed: no messages, an empty journal.");
    } catch (error) { announce(`Reset failed: ${error.message}`); }
  });

  els.deliver.addEventListener("click", async () => {
    try {
      const body = await api("deliver", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      announce(body.settled ? `${plural(body.settled, "message")} delivered or failed now` : "Nothing was pending");
      await loadMessages({ announceNew: false });
    } catch (error) { announce(`Deliver failed: ${error.message}`); }
  });

  // -- live updates --------------------------------------------------------------------------------

  function showLive() {
    els.live.dataset.state = "live";
    els.live.textContent = "Live";
  }

  function showDown(error) {
    els.live.dataset.state = "down";
    els.live.textContent = "Disconnected, retrying…";
    els.live.title = error ? error.message : "";
  }

  function showClock(clock) {
    if (!clock) return;
    state.clock = clock;
    els.clock.textContent = `Mock clock ${stamp(clock.now)}${clock.frozen ? " · frozen" : ""}`;
  }

  async function startOver() {
    state.journal = [];
    state.lastSeq = 0;
    state.seenIds.clear();
    state.loaded = false;
    els.journal.replaceChildren();
    els.tbody.replaceChildren();
    await refresh();
  }

  async function refresh() {
    await Promise.all([loadMessages(), loadJournal()]);
  }

  function busy() {
    return state.clock && !state.clock.frozen && state.messages.some((m) => PENDING.has(m.status));
  }

  async function follow() {
    let failures = 0;
    for (;;) {
      try {
        const wait = state.version === null ? 0 : busy() ? BUSY_WAIT : QUIET_WAIT;
        const version = state.version === null ? "" : state.version;
        const event = await api(`events?version=${version}&timeout=${wait}`);
        showLive();
        failures = 0;
        showClock(event.clock);
        state.outboxSize = event.outbox;
        if (state.epoch !== null && event.epoch !== state.epoch) {
          state.epoch = event.epoch;
          state.version = event.version;
          await startOver();
          continue;
        }
        state.epoch = event.epoch;
        if (event.version !== state.version || busy()) {
          state.version = event.version;
          await refresh();
        }
      } catch (error) {
        failures += 1;
        showDown(error);
        await sleep(Math.min(1000 * failures, 5000));
      }
    }
  }

  /** A one-time login link (#login=CODE, printed by `smsmock serve` beyond loopback): the code buys the token. */
  async function login() {
    const found = /^#login=([\w-]+)$/.exec(location.hash);
    if (!found) return;
    history.replaceState(null, "", location.pathname + location.search); // the code is spent: out of the address
    try {
      const body = await api("login", { method: "POST", body: JSON.stringify({ code: found[1] }) });
      sessionStorage.setItem(TOKEN, body.token);
    } catch (error) { showDown(error); }
  }

  async function start() {
    await login();
    try {
      const index = await api("");
      for (const name of Object.keys(index.providers || {})) {
        els.provider.append(h("option", { value: name }, providerName(name)));
      }
    } catch (error) { showDown(error); }
    route();
    follow();
  }

  start();
})();
