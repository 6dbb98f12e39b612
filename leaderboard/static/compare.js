// Model comparison: per-task differences and the paired tests computed at build time (data/compare.js).
"use strict";
(function () {
  var D = EA.data();
  var selA = document.getElementById("model-a"), selB = document.getElementById("model-b");
  D.models.forEach(function (m, i) {
    selA.appendChild(EA.el("option", { value: String(i) }, m));
    selB.appendChild(EA.el("option", { value: String(i) }, m));
  });
  selB.value = D.models.length > 1 ? "1" : "0";

  function render() {
    var a = +selA.value, b = +selB.value, P = EA.compareData;
    var tbody = document.querySelector("#cmp tbody");
    tbody.textContent = "";
    var status = document.getElementById("cmp-status");
    if (!P) { status.textContent = "Comparison data did not load."; return; }
    status.textContent = a === b ? "Pick two different models." : "";
    var flip = a > b, pair = P.pairs[Math.min(a, b) + "|" + Math.max(a, b)] || {};
    D.tasks.forEach(function (t) {
      var va = D.values[a][t.name], vb = D.values[b][t.name];
      if (va === undefined && vb === undefined) return;
      var r = a === b ? null : pair[t.name];
      var tr = EA.el("tr", { "data-task": t.name });
      tr.appendChild(EA.el("td", { "class": "model" }, t.name));
      tr.appendChild(EA.el("td", { "class": "model" }, t.metric + (t.hib ? "" : " ↓")));
      tr.appendChild(EA.el("td", null, EA.fmt(va)));
      tr.appendChild(EA.el("td", null, EA.fmt(vb)));
      var diff = r && r.diff !== null ? (flip ? -r.diff : r.diff) : null;
      tr.appendChild(EA.el("td", null, diff === null ? "–" : (diff > 0 ? "+" : "") + EA.fmt(diff)));
      tr.appendChild(EA.el("td", null, r ? String(r.n) : "–"));
      tr.appendChild(EA.el("td", { "class": "model" }, r && r.test ? r.test.replace("_", " ") : "–"));
      tr.appendChild(EA.el("td", null, r && r.p !== null ? r.p.toPrecision(3) : "–"));
      var verdict = "–", cls = "nsig";
      if (r && r.n) {
        if (r.significant) {
          var aBetter = t.hib ? diff > 0 : diff < 0;
          verdict = (aBetter ? "A" : "B") + " better"; cls = "sig";
        } else verdict = "no significant difference";
      }
      tr.appendChild(EA.el("td", { "class": "model verdict " + cls }, verdict));
      tbody.appendChild(tr);
    });
  }
  selA.addEventListener("change", render);
  selB.addEventListener("change", render);
  EA.onCompare = render;
  if (EA.compareData) render();
})();
