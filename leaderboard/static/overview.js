// Overview table: render rows from the embedded data, sort by any column, switch views.
"use strict";
(function () {
  var D = EA.data();
  var state = { view: D.default_view, sort: D.default_sort, desc: true, tasks: true };
  var cols = D.columns;
  function colByKey(k) { for (var i = 0; i < cols.length; i++) if (cols[i].key === k) return cols[i]; return null; }
  var c0 = colByKey(state.sort);
  if (c0) state.desc = c0.hib;

  function visibleCols() { return cols.filter(function (c) { return state.tasks || c.kind === "group"; }); }

  function header() {
    var tr = EA.el("tr");
    var rank = EA.el("th", { "data-key": "rank", title: "Rank range in the sorted column" }, "Rank");
    tr.appendChild(rank);
    tr.appendChild(EA.el("th", { "class": "model", "data-key": "label" }, "Model"));
    visibleCols().forEach(function (c) {
      var th = EA.el("th", { "class": c.kind, "data-key": c.key, title: c.kind === "group" ?
        "Group: mean of " + c.tasks.join(", ") : "Task " + c.name + (c.versions.length > 1 ? " (versions differ across runs: " + c.versions.join(", ") + ")" : "") });
      th.appendChild(document.createTextNode(c.name));
      th.appendChild(EA.el("span", { "class": "sub" }, c.kind === "group" ? "group" : c.metric + (c.hib ? "" : " ↓")));
      tr.appendChild(th);
    });
    tr.querySelectorAll("th").forEach(function (th) {
      var k = th.getAttribute("data-key");
      if (k === state.sort) th.setAttribute("aria-sort", state.desc ? "descending" : "ascending");
      th.tabIndex = 0;  // sortable from the keyboard too
      th.addEventListener("click", function () { sortBy(k); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(k); } });
    });
    var thead = document.querySelector("#board thead");
    thead.textContent = "";
    thead.appendChild(tr);
  }

  function sortedRows() {
    var rows = D.views[state.view].slice();
    var k = state.sort, dir = state.desc ? -1 : 1;
    rows.sort(function (a, b) {
      if (k === "label") return dir * (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || cmpKey(a, b);
      var ca = a.cells[k], cb = b.cells[k];
      if (!ca && !cb) return cmpKey(a, b);
      if (!ca) return 1;
      if (!cb) return -1;  // rows without a value always go last
      var pa = !!(ca.partial || ca.unranked), pb = !!(cb.partial || cb.unranked);
      if (pa !== pb) return pa ? 1 : -1;  // partial groups follow complete ones, unranked
      return dir * (ca.v - cb.v) || cmpKey(a, b);
    });
    return rows;
  }
  function cmpKey(a, b) { return a.label < b.label ? -1 : a.label > b.label ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0; }

  function cellLink(cell, col) {
    var pages = D.pages[cell.run] || {};
    return col.kind === "task" && pages[col.name] ? "runs/" + cell.run + "/" + pages[col.name] : null;
  }

  function body() {
    var tbody = document.querySelector("#board tbody");
    tbody.textContent = "";
    var rankCol = colByKey(state.sort);
    sortedRows().forEach(function (r) {
      var tr = EA.el("tr", { "data-row": r.key });
      var rc = rankCol && r.cells[rankCol.key];
      var rr = rc && rc.rank;
      var td = EA.el("td", { "class": "rank" + (rr && rr[0] !== rr[1] ? " tied" : "") },
        rr ? (rr[0] === rr[1] ? rr[0] : rr[0] + "–" + rr[1]) : "");
      if (rr && rr[0] !== rr[1]) td.title = "Could rank " + rr[0] + " to " + rr[1] + ": its 95% CI overlaps others'";
      tr.appendChild(td);
      var name = EA.el("td", { "class": "model" });
      name.appendChild(EA.el("a", { href: "runs/" + r.newest + "/index.html" }, r.label));
      var sub = state.view === "runs" ? " " + r.created_at : (r.label !== r.model ? " " + r.model : "");
      if (sub) name.appendChild(EA.el("span", { "class": "muted small" }, sub));
      tr.appendChild(name);
      visibleCols().forEach(function (c) {
        var cell = r.cells[c.key];
        var td = EA.el("td", { "data-key": c.key });
        if (!cell) { td.textContent = "–"; tr.appendChild(td); return; }
        var link = cellLink(cell, c);
        td.appendChild(link ? EA.el("a", { href: link, "class": "v" }, EA.fmt(cell.v)) : EA.el("span", { "class": "v" }, EA.fmt(cell.v)));
        if (cell.ci) td.appendChild(EA.el("span", { "class": "ci" }, "[" + EA.fmt(cell.ci[0]) + ", " + EA.fmt(cell.ci[1]) + "]"));
        if (cell.partial) td.appendChild(EA.el("span", { "class": "partial" }, " partial (" + cell.coverage + ")"));
        var tip = [];
        if (cell.n !== undefined) tip.push("n=" + cell.n + ", errors=" + cell.err);
        if (cell.note) tip.push(cell.note);
        if (tip.length) td.title = tip.join("; ");
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function sortBy(k) {
    if (k === "rank") k = state.sort;  // the rank column follows the sorted column
    else if (k === state.sort) state.desc = !state.desc;
    else { var c = colByKey(k); state.sort = k; state.desc = c ? c.hib : false; }
    render();
  }
  function render() { header(); body(); }

  document.getElementById("view-" + state.view).checked = true;
  document.querySelectorAll("input[name=view]").forEach(function (r) {
    r.addEventListener("change", function () { state.view = r.value; render(); });
  });
  document.getElementById("show-tasks").addEventListener("change", function (e) {
    state.tasks = e.target.checked;
    if (!state.tasks && colByKey(state.sort) && colByKey(state.sort).kind === "task") state.sort = D.default_sort;
    render();
  });
  render();
})();
