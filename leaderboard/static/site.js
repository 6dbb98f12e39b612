// Shared helpers. Untrusted text (model outputs, judge texts, names) is only ever set through textContent.
"use strict";
window.EA = (function () {
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "href" || k === "src") {
          var safe = safeUrl(attrs[k]);
          if (safe !== null) e.setAttribute(k, safe);
        } else if (k.slice(0, 2) !== "on") {
          e.setAttribute(k, attrs[k]);
        }
      });
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // Only http(s) and relative URLs; anything with another scheme (javascript:, data:, ...) is dropped.
  function safeUrl(u) {
    if (typeof u !== "string") return null;
    var s = u.trim();
    var scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
    if (scheme && !/^https?$/i.test(scheme[1])) return null;
    if (/^[\s\/\\]*[\/\\]{2}/.test(s) && !scheme) return null; // protocol-relative
    return s;
  }
  function fmt(v) {
    if (typeof v !== "number" || !isFinite(v)) return "–";
    return Math.abs(v) < 100 ? v.toFixed(3) : v.toFixed(1);
  }
  function data() {
    return JSON.parse(document.getElementById("ea-data").textContent);
  }
  var chunkHandlers = [];
  return {
    el: el, safeUrl: safeUrl, fmt: fmt, data: data,
    // Sample and comparison data files call these when their <script> loads (fetch() fails on file://).
    chunk: function (payload) { chunkHandlers.forEach(function (h) { h(payload); }); },
    onChunk: function (h) { chunkHandlers.push(h); },
    compare: function (payload) { EA.compareData = payload; if (EA.onCompare) EA.onCompare(payload); }
  };
})();
