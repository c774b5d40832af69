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

// Sorting: a button in each column heading of a table.sortable sorts its rows (within each <tbody>,
// so an actor's statements stay grouped by article); the button says the direction (aria-sort).
// Values come from a cell's data-sort attribute when it has one, else from its text; numbers
// compare as numbers. Lists such as an article's attributions sort with .list-sort buttons.
(function () {
  "use strict";

  function value(cell) {
    if (!cell) { return ""; }
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    return raw;
  }

  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    var numeric = /^-?[0-9.]+$/.test(a) && /^-?[0-9.]+$/.test(b);
    if (numeric && !isNaN(x) && !isNaN(y)) { return x - y; }
    if (a === "" && b !== "") { return 1; }
    if (b === "" && a !== "") { return -1; }
    return a.localeCompare(b, undefined, {sensitivity: "base"});
  }

  function sortTable(table, column, th) {
    var descending = th.getAttribute("aria-sort") === "ascending";
    table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    table.querySelectorAll("tbody").forEach(function (body) {
      var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("group-head"); });
      rows.forEach(function (r, i) { if (!r.hasAttribute("data-index")) { r.setAttribute("data-index", String(i)); } });
      rows.sort(function (r1, r2) {
        var c = compare(value(r1.cells[column]), value(r2.cells[column]));
        if (descending) { c = -c; }
        return c || (+r1.getAttribute("data-index") - +r2.getAttribute("data-index"));
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  }

  function sortList(list, key, buttons, pressed) {
    var items = Array.prototype.slice.call(list.children);
    items.sort(function (a, b) {
      var x = a.getAttribute("data-" + key) || "", y = b.getAttribute("data-" + key) || "";
      var c = key === "confidence" ? parseFloat(y) - parseFloat(x) : compare(x, y);
      return c || (+a.getAttribute("data-order") - +b.getAttribute("data-order"));
    });
    items.forEach(function (item) { list.appendChild(item); });
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", b === pressed ? "true" : "false"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, column) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort-button";
        button.textContent = th.textContent.trim();
        th.textContent = "";
        th.classList.add("sorts");
        th.appendChild(button);
        button.addEventListener("click", function () { sortTable(table, column, th); });
      });
    });
    document.querySelectorAll(".list-sort[data-list]").forEach(function (bar) {
      var list = document.getElementById(bar.getAttribute("data-list"));
      if (!list) { return; }
      var buttons = Array.prototype.slice.call(bar.querySelectorAll("button[data-key]"));
      buttons.forEach(function (button) {
        button.addEventListener("click", function () {
          sortList(list, button.getAttribute("data-key"), buttons, button);
        });
      });
      bar.hidden = false;
    });
  });
})();

// The network: zoom (wheel, buttons), pan (drag the background), drag a node (its lines follow),
// and hovering or focusing a node highlights it, its neighbours and their links. All of it moves
// SVG attributes (viewBox, x/y), never inline styles. A drag never follows the node's link.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var svg = document.getElementById("network-graph");
    if (!svg) { return; }
    var size = parseFloat(svg.getAttribute("data-size")) || 1000;
    var view = {x: 0, y: 0, w: size, h: size};
    var controls = document.getElementById("network-controls");
    if (controls) { controls.hidden = false; }

    function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }

    function toDrawing(event) {
      var r = svg.getBoundingClientRect();
      return {x: view.x + (event.clientX - r.left) / r.width * view.w,
              y: view.y + (event.clientY - r.top) / r.height * view.h};
    }

    function zoom(factor, cx, cy) {
      var w = Math.min(size * 4, Math.max(size / 8, view.w * factor));
      var f = w / view.w;
      view.x = cx - (cx - view.x) * f;
      view.y = cy - (cy - view.y) * f;
      view.w = w;
      view.h = w;
      apply();
    }

    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = toDrawing(event);
      zoom(event.deltaY > 0 ? 1.2 : 1 / 1.2, p.x, p.y);
    }, {passive: false});
    var zin = document.getElementById("network-zoom-in");
    var zout = document.getElementById("network-zoom-out");
    var reset = document.getElementById("network-reset");
    if (zin) { zin.addEventListener("click", function () { zoom(1 / 1.3, view.x + view.w / 2, view.y + view.h / 2); }); }
    if (zout) { zout.addEventListener("click", function () { zoom(1.3, view.x + view.w / 2, view.y + view.h / 2); }); }
    if (reset) { reset.addEventListener("click", function () { view = {x: 0, y: 0, w: size, h: size}; apply(); }); }

    var nodes = {};
    svg.querySelectorAll("a.node-link").forEach(function (a) {
      nodes[a.getAttribute("data-actor-id")] = a;
    });
    var edges = Array.prototype.slice.call(svg.querySelectorAll("line.edge"));

    function centre(id) {
      var a = nodes[id];
      return {x: parseFloat(a.getAttribute("data-x")), y: parseFloat(a.getAttribute("data-y")),
              r: parseFloat(a.getAttribute("data-r"))};
    }

    function redraw(line) {
      var s = centre(line.getAttribute("data-source")), t = centre(line.getAttribute("data-target"));
      var dx = t.x - s.x, dy = t.y - s.y, len = Math.sqrt(dx * dx + dy * dy) || 1;
      var kind = line.getAttribute("data-kind");
      var pad = t.r + (kind === "addresses" || kind === "event" ? 6 : 0);
      // event arrows keep their lane beside the straight line (data-offset, drawing units)
      var off = parseFloat(line.getAttribute("data-offset") || "0");
      var px = -dy / len * off, py = dx / len * off;
      line.setAttribute("x1", (s.x + dx / len * s.r + px).toFixed(1));
      line.setAttribute("y1", (s.y + dy / len * s.r + py).toFixed(1));
      line.setAttribute("x2", (t.x - dx / len * pad + px).toFixed(1));
      line.setAttribute("y2", (t.y - dy / len * pad + py).toFixed(1));
    }

    function moveNode(a, x, y) {
      var ox = parseFloat(a.getAttribute("data-x")), oy = parseFloat(a.getAttribute("data-y"));
      a.setAttribute("data-x", x.toFixed(1));
      a.setAttribute("data-y", y.toFixed(1));
      var circle = a.querySelector("circle");
      circle.setAttribute("cx", x.toFixed(1));
      circle.setAttribute("cy", y.toFixed(1));
      var label = a.querySelector("text");
      label.setAttribute("x", (parseFloat(label.getAttribute("x")) + x - ox).toFixed(1));
      label.setAttribute("y", (parseFloat(label.getAttribute("y")) + y - oy).toFixed(1));
      var id = a.getAttribute("data-actor-id");
      edges.forEach(function (line) {
        if (line.getAttribute("data-source") === id || line.getAttribute("data-target") === id) { redraw(line); }
      });
    }

    function highlight(a) {
      svg.classList.add("has-focus");
      var id = a.getAttribute("data-actor-id");
      var near = (a.getAttribute("data-neighbours") || "").split(" ").filter(Boolean);
      a.classList.add("is-focus");
      near.forEach(function (n) { if (nodes[n]) { nodes[n].classList.add("is-neighbour"); } });
      edges.forEach(function (line) {
        if (line.getAttribute("data-source") === id || line.getAttribute("data-target") === id) {
          line.classList.add("is-incident");
        }
      });
    }

    function unhighlight() {
      svg.classList.remove("has-focus");
      svg.querySelectorAll(".is-focus, .is-neighbour, .is-incident").forEach(function (el) {
        el.classList.remove("is-focus", "is-neighbour", "is-incident");
      });
    }

    Object.keys(nodes).forEach(function (id) {
      var a = nodes[id];
      a.addEventListener("mouseenter", function () { unhighlight(); highlight(a); });
      a.addEventListener("mouseleave", function () { if (!drag) { unhighlight(); } });
      a.addEventListener("focus", function () { unhighlight(); highlight(a); });
      a.addEventListener("blur", unhighlight);
      a.addEventListener("click", function (event) {
        if (a.getAttribute("data-dragged") === "1") {
          event.preventDefault();
          a.removeAttribute("data-dragged");
        }
      });
    });

    var drag = null;
    svg.addEventListener("dragstart", function (event) { event.preventDefault(); });
    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      var a = event.target.closest ? event.target.closest("a.node-link") : null;
      var p = toDrawing(event);
      drag = {node: a, start: p, moved: false,
              ox: a ? parseFloat(a.getAttribute("data-x")) : view.x,
              oy: a ? parseFloat(a.getAttribute("data-y")) : view.y,
              sx: event.clientX, sy: event.clientY};
      if (!a) { svg.classList.add("is-panning"); }
      // No native link drag or text selection: the pointer moves the node or the view.
      event.preventDefault();
      // Panning keeps the pointer even off the drawing; a node does not capture it, so that a click
      // (no movement) still lands on its link and opens the actor's page.
      if (!a && svg.setPointerCapture) { svg.setPointerCapture(event.pointerId); }
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      if (Math.abs(event.clientX - drag.sx) + Math.abs(event.clientY - drag.sy) > 3) { drag.moved = true; }
      if (!drag.moved) { return; }
      if (drag.node) {
        var p = toDrawing(event);
        moveNode(drag.node, drag.ox + p.x - drag.start.x, drag.oy + p.y - drag.start.y);
      } else {
        var r = svg.getBoundingClientRect();
        view.x = drag.ox - (event.clientX - drag.sx) / r.width * view.w;
        view.y = drag.oy - (event.clientY - drag.sy) / r.height * view.h;
        apply();
      }
    });
    function end() {
      if (drag && drag.node && drag.moved) { drag.node.setAttribute("data-dragged", "1"); }
      drag = null;
      svg.classList.remove("is-panning");
    }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointerleave", end);
  });
})();
