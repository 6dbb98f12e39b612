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
    s.charset = "utf-8";
    s.onerror = function () { cache[k] = []; var w = waiting[k] || []; delete waiting[k]; w.forEach(function (f) { f(); }); };
    document.body.appendChild(s);
  }

  function positions() {
    var out = [], st = D.status;
    for (var i = 0; i < st.length; i++) if (state.filter === "all" || st.charAt(i) === state.filter) out.push(i);
    return out;
  }

  // The view lives in the URL hash (#filter=i&page=3&size=20) so that a link shows the same samples.
  function readHash() {
    var m = /^#filter=(all|c|i|e|o)&page=(\d{1,7})&size=(10|20|50|100)$/.exec(location.hash);
    if (!m) return;
    state.filter = m[1]; state.page = Math.max(0, +m[2] - 1); state.size = +m[3];
    document.getElementById("filter").value = state.filter;
    document.getElementById("pagesize").value = String(state.size);
  }
  function writeHash() {
    var h = "#filter=" + state.filter + "&page=" + (state.page + 1) + "&size=" + state.size;
    if (location.hash !== h) try { history.replaceState(null, "", h); } catch (e) { /* some hosts forbid it */ }
  }

  function render() {
    var pos = positions();
    var pages = Math.max(1, Math.ceil(pos.length / state.size));
    state.page = Math.min(state.page, pages - 1);
    var slice = pos.slice(state.page * state.size, (state.page + 1) * state.size);
    document.getElementById("pageinfo").textContent = "page " + (state.page + 1) + " of " + pages + " (" + pos.length + " samples)";
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    writeHash();
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
        if (s) box.appendChild(card(s, D.status.charAt(p), p));
      });
      box.setAttribute("data-ready", String(token));
    }
    if (!left) return draw();
    keys.forEach(function (k) { load(+k, function () { if (--left === 0) draw(); }); });
  }

  function show(v) { return typeof v === "string" ? v : JSON.stringify(v, null, 1); }

  function section(parent, label, value) {
    if (value === null || value === undefined || value === "") return;
    parent.appendChild(EA.el("div", { "class": "label" }, label));
    parent.appendChild(EA.el("pre", { "class": "f-" + label.toLowerCase().replace(/[^a-z]+/g, "-") }, show(value)));
  }

  function list(x) { return Array.isArray(x) ? x : []; }
  var MEDIA = { image: "img", audio: "audio", video: "video" };

  function media(parent, parts) {
    var items = list(parts).filter(function (p) { return p && MEDIA.hasOwnProperty(p.type); });
    if (!items.length) return;
    var box = EA.el("div", { "class": "media" });
    items.forEach(function (m) {
      // Sources are site paths written by the build (../../media/<sha256>.<ext>); anything else is not shown.
      if (typeof m.src !== "string" || !/^(\.\.\/)*media\/[0-9a-f]{64}\.[a-z0-9]+$/.test(m.src)) {
        box.appendChild(EA.el("div", { "class": "muted small" }, "(" + m.type + " not available: " + show(m.missing || m.path || "") + ")"));
        return;
      }
      var e = EA.el(MEDIA[m.type], { src: m.src });
      if (m.type === "image") e.alt = "image"; else { e.controls = true; e.preload = "metadata"; }
      box.appendChild(e);
    });
    parent.appendChild(box);
  }

  // Samples arrive in the run directory's shape (docs/run-directory.md); every field may be missing or odd.
  function card(s, st, pos) {
    var c = EA.el("div", { "class": "card sample", "data-status": st, "data-index": String(pos) });
    var h = EA.el("h3");
    h.appendChild(EA.el("span", null, "#" + (pos + 1) + " · id " + show(s.id)));
    h.appendChild(EA.el("span", { "class": "badge " + st }, LABELS[st]));
    c.appendChild(h);
    var msgs = list(s.messages).filter(function (m) { return m && typeof m === "object"; });
    var prompt = s.prompt;
    if (prompt === undefined || prompt === null) {
      prompt = msgs.map(function (m) {
        return list(m.parts).filter(function (p) { return p && p.type === "text"; }).map(function (p) { return show(p.text); }).join("");
      }).join("\n");
    }
    section(c, "Prompt", prompt);
    msgs.forEach(function (m) { media(c, m.parts); });
    section(c, "Choices", s.choices);
    section(c, "Response", s.response);
    media(c, s.output_parts);
    section(c, "Extracted", s.extracted);
    section(c, "Target", s.target);
    var metrics = s.metrics && typeof s.metrics === "object" ? s.metrics : {};
    section(c, "Score", Object.keys(metrics).sort().map(function (k) {
      var v = metrics[k];
      return k + ": " + (typeof v === "number" ? EA.fmt(v) : v === null ? "–" : show(v));
    }).join("\n"));
    section(c, "Error", s.error);
    var judges = list(s.judge).filter(function (j) { return j && typeof j === "object"; });
    judges.forEach(function (j, n) {
      var head = "Judge" + (judges.length > 1 ? " " + (n + 1) : "") + (j.judge_model ? " (" + show(j.judge_model) + ")" : "");
      var parsed = j.parsed === null || j.parsed === undefined ? "–" : show(j.parsed);
      section(c, head, "parsed: " + parsed + (j.parse_error ? "\nparse error: " + show(j.parse_error) : "") +
        (j.raw_output ? "\n\n" + show(j.raw_output) : ""));
    });
    return c;
  }

  document.getElementById("filter").addEventListener("change", function (e) { state.filter = e.target.value; state.page = 0; render(); });
  document.getElementById("pagesize").addEventListener("change", function (e) { state.size = +e.target.value; state.page = 0; render(); });
  document.getElementById("prev").addEventListener("click", function () { state.page--; render(); });
  document.getElementById("next").addEventListener("click", function () { state.page++; render(); });
  window.addEventListener("hashchange", function () { readHash(); render(); });
  readHash();
  render();
})();
