// newsgraph: the floating detail of a highlighted span, on hover and on keyboard focus.
// Plain JavaScript, no inline script anywhere (the CSP forbids it). The detail's content is
// cloned from the server-rendered #detail-<id> element: no HTML is ever built from strings.
(function () {
  "use strict";

  var tooltip = null;
  var current = null;

  function detailFor(seg) {
    var id = seg.getAttribute("data-attribution-id");
    return id ? document.getElementById("detail-" + id) : null;
  }

  function show(seg) {
    var detail = detailFor(seg);
    if (!tooltip || !detail) { return; }
    if (current && current !== seg) { current.classList.remove("is-active"); }
    current = seg;
    seg.classList.add("is-active");
    while (tooltip.firstChild) { tooltip.removeChild(tooltip.firstChild); }
    var copy = detail.cloneNode(true);
    copy.removeAttribute("id");
    tooltip.appendChild(copy);
    tooltip.setAttribute("data-attribution-id", seg.getAttribute("data-attribution-id"));
    tooltip.hidden = false;
    var rect = seg.getBoundingClientRect();
    var top = window.scrollY + rect.bottom + 6;
    var left = window.scrollX + rect.left;
    var width = tooltip.offsetWidth;
    var maxLeft = window.scrollX + document.documentElement.clientWidth - width - 8;
    tooltip.style.top = top + "px";
    tooltip.style.left = Math.max(window.scrollX + 8, Math.min(left, maxLeft)) + "px";
  }

  function hide() {
    if (!tooltip) { return; }
    tooltip.hidden = true;
    tooltip.removeAttribute("data-attribution-id");
    if (current) { current.classList.remove("is-active"); }
    current = null;
  }

  function segOf(target) {
    return target && target.closest ? target.closest(".seg[data-attribution-id]") : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    tooltip = document.getElementById("tooltip");
    var text = document.getElementById("article-text");
    if (!tooltip || !text) { return; }
    text.addEventListener("mouseover", function (event) {
      var seg = segOf(event.target);
      if (seg) { show(seg); }
    });
    text.addEventListener("mouseout", function (event) {
      var seg = segOf(event.target);
      if (seg && !seg.contains(event.relatedTarget) && document.activeElement !== seg) { hide(); }
    });
    text.addEventListener("focusin", function (event) {
      var seg = segOf(event.target);
      if (seg) { show(seg); }
    });
    text.addEventListener("focusout", function () { hide(); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { hide(); }
    });
  });
})();
