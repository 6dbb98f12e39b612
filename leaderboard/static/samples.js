// Sample browser: filter by status, page through, load only the chunk files the current page needs.
"use strict";
(function () {
  var D = EA.data();
  var cache = {};      // chunk index -> samples
  var waiting = {};    // chunk index -> callbacks
  var state = { filter: "all", page: 0, size: 20 };
  var LABELS = { c: "correct", i: "incorrect", e: "error", o: "other" };

  EA.onChunk(function (p) {
    if (p.run !== D.run || p.task !== D.task) return;  // a stray file must not fill this page
    cache[p.chunk] = p.samples;
    (waiting[p.chunk] || []).forEach(function (f) { f(); });
    delete waiting[p.chunk];
  });

  function load(k, done) {
    if (cache[k]) return done();
    if (waiting[k]) return waiting[k].push(done);
    waiting[k] = [done];
    var s = document.createElement("script");
    s.src = "data/" + D.chunks[k];  // names come from the build, never from sample content
    s.onerror = function () { cache[k] = []; var w = waiting[k] || []; delete waiting[k]; w.forEach(function (f) { f(); }); };
    document.body.appendChild(s);
  }

  function positions() {
    var out = [], st = D.status;
    for (var i = 0; i < st.length; i++) if (state.filter === "all" || st.charAt(i) === state.filter) out.push(i);
    return out;
  }

  function render() {
    var pos = positions();
    var pages = Math.max(1, Math.ceil(pos.length / state.size));
    state.page = Math.min(state.page, pages - 1);
    var slice = pos.slice(state.page * state.size, (state.page + 1) * state.size);
    document.getElementById("pageinfo").textContent = "page " + (state.page + 1) + " of " + pages + " (" + pos.length + " samples)";
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    var need = {};
    slice.forEach(function (p) { need[Math.floor(p / D.chunk_size)] = true; });
    var keys = Object.keys(need), left = keys.length;
    var token = (render.token = (render.token || 0) + 1);
    function draw() {
      if (token !== render.token) return;  // a newer render started meanwhile
      var box = document.getElementById("samples");
      box.textContent = "";
      if (!slice.length) box.appendChild(EA.el("p", { "class": "muted" }, "No samples match."));
      slice.forEach(function (p) {
        var chunk = cache[Math.floor(p / D.chunk_size)] || [];
        var s = chunk[p % D.chunk_size];
        if (s) box.appendChild(card(s, D.status.charAt(p)));
      });
      box.setAttribute("data-ready", String(token));
    }
    if (!left) return draw();
    keys.forEach(function (k) { load(+k, function () { if (--left === 0) draw(); }); });
  }

  function section(parent, label, value) {
    if (value === null || value === undefined || value === "") return;
    var text = typeof value === "string" ? value : JSON.stringify(value, null, 1);
    parent.appendChild(EA.el("div", { "class": "label" }, label));
    parent.appendChild(EA.el("pre", { "class": "f-" + label.toLowerCase().replace(/[^a-z]+/g, "-") }, text));
  }

  function media(parent, items) {
    if (!items || !items.length) return;
    var box = EA.el("div", { "class": "media" });
    items.forEach(function (m) {
      // Sources are site paths written by the build (../../media/<sha256>.<ext>); check anyway.
      if (!m.src || !/^(\.\.\/)*media\/[0-9a-f]{64}\.[a-z0-9]+$/.test(m.src)) {
        box.appendChild(EA.el("div", { "class": "muted small" }, "(" + m.type + " not available: " + (m.missing || "") + ")"));
        return;
      }
      var tag = m.type === "image" ? "img" : m.type;
      var e = EA.el(tag, { src: m.src });
      if (tag === "img") e.alt = m.type; else { e.controls = true; e.preload = "metadata"; }
      box.appendChild(e);
    });
    parent.appendChild(box);
  }

  function card(s, st) {
    var c = EA.el("div", { "class": "card sample", "data-status": st, "data-index": String(s.i) });
    var h = EA.el("h3");
    h.appendChild(EA.el("span", null, "#" + (s.i + 1) + " · id " + s.id));
    h.appendChild(EA.el("span", { "class": "badge " + st }, LABELS[st]));
    c.appendChild(h);
    section(c, "Prompt", s.prompt);
    media(c, s.media_in);
    section(c, "Choices", s.choices);
    section(c, "Response", s.response);
    media(c, s.media_out);
    section(c, "Extracted", s.extracted);
    section(c, "Target", s.target);
    var m = Object.keys(s.metrics || {}).sort().map(function (k) {
      var v = s.metrics[k];
      return k + ": " + (typeof v === "number" ? EA.fmt(v) : v === null ? "–" : v);
    });
    section(c, "Score", m.join("\n"));
    section(c, "Error", s.error);
    (s.judge || []).forEach(function (j, n) {
      var head = "Judge" + (s.judge.length > 1 ? " " + (n + 1) : "") + (j.model ? " (" + j.model + ")" : "");
      section(c, head, "parsed: " + (j.parsed === null ? "–" : j.parsed) + (j.parse_error ? "\nparse error: " + j.parse_error : "") +
        (j.rationale ? "\n\n" + j.rationale : ""));
    });
    return c;
  }

  document.getElementById("filter").addEventListener("change", function (e) { state.filter = e.target.value; state.page = 0; render(); });
  document.getElementById("pagesize").addEventListener("change", function (e) { state.size = +e.target.value; state.page = 0; render(); });
  document.getElementById("prev").addEventListener("click", function () { state.page--; render(); });
  document.getElementById("next").addEventListener("click", function () { state.page++; render(); });
  render();
})();
