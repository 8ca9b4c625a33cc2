/* Draws a BPMN diagram with the bpmn-js NavigatedViewer (pan, zoom) served from
 * static/vendor/ (copied from npm by `make install`). The XML comes from the URL in the
 * container's data-bpmn-url. On a case's diagram, the element table's rows carry each
 * element's state (data-state, data-due); they become markers (CSS class: colour and
 * border style) and a text badge on the element, so the state reads without colour.
 * Without JavaScript the table shows the same. No inline script: CSP script-src 'self'.
 */
(function () {
  "use strict";

  var BADGES = {
    completed: "\u2713 erledigt",
    active: "\u25B6 aktiv",
    waiting: "\u25F7 wartet",
    cancelled: "\u2715 abgebrochen"
  };

  function badge(state, due) {
    var element = document.createElement("span");
    element.className = "state-badge state-badge--" + state;
    element.textContent = BADGES[state] + (due ? " bis " + due : "");
    return element;
  }

  function markStates(viewer) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var rows = document.querySelectorAll("#elements tr[data-state]");
    var attached = {};
    Array.prototype.forEach.call(rows, function (row) {
      var id = row.getAttribute("data-element");
      var state = row.getAttribute("data-state");
      var element = registry.get(id);
      if (!element || !BADGES[state]) {
        return;
      }
      canvas.addMarker(id, "state-" + state);
      if (!element.waypoints) {
        // Events attached to one task sit side by side: stack their badges below each other.
        var stacked = element.host ? (attached[element.host.id] = (attached[element.host.id] || 0) + 1) - 1 : 0;
        overlays.add(id, "state", {
          position: { top: element.height + 2 + stacked * 18, left: -4 },
          html: badge(state, row.getAttribute("data-due"))
        });
      }
    });
  }

  var CHANGES = { added: "+ neu", changed: "\u0394 ge\u00e4ndert" };

  // Calls mark(row, id, element) for each table row naming an element drawn in the diagram
  // (flows only when withFlows is set).
  function eachDrawnRow(viewer, selector, withFlows, mark) {
    var registry = viewer.get("elementRegistry");
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (row) {
      var id = row.getAttribute("data-element");
      var element = registry.get(id);
      if (element && (withFlows || !element.waypoints)) {
        mark(row, id, element);
      }
    });
  }

  function badgeLabel(className, text) {
    var label = document.createElement("span");
    label.className = className;
    label.textContent = text;
    return label;
  }

  // A version comparison: the rows of the change table mark the newer diagram.
  function markChanges(viewer) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    eachDrawnRow(viewer, "#changes tr[data-change]", true, function (row, id, element) {
      var kind = row.getAttribute("data-change");
      if (!CHANGES[kind]) {
        return;
      }
      canvas.addMarker(id, "change-" + kind);
      overlays.add(id, "change", {
        position: element.waypoints ? { top: 0, left: 0 } : { top: -20, left: 0 },
        html: badgeLabel("change-badge change-badge--" + kind, CHANGES[kind])
      });
    });
  }

  // A version page: how many running cases wait at each element.
  function markCounts(viewer) {
    var overlays = viewer.get("overlays");
    eachDrawnRow(viewer, "#elements tr[data-waiting]", false, function (row, id) {
      var count = row.getAttribute("data-waiting");
      overlays.add(id, "count", {
        position: { top: -20, right: 20 },
        html: badgeLabel("count-badge", count + (count === "1" ? " Vorgang" : " Vorg\u00e4nge"))
      });
    });
  }

  // A version page: open review comments on an element.
  function markComments(viewer) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    eachDrawnRow(viewer, "#elements tr[data-comments]", false, function (row, id) {
      var count = row.getAttribute("data-comments");
      canvas.addMarker(id, "has-comments");
      overlays.add(id, "comment", {
        position: { bottom: -4, right: 40 },
        html: badgeLabel("comment-badge", "\u270E " + count + (count === "1" ? " Kommentar" : " Kommentare"))
      });
    });
  }

  var ZOOM_STEP = 1.25;
  var PAN_STEP = 60;

  // Zoom in/out/fit by the buttons above the canvas and by the keys +, -, 0 and the arrow keys
  // while the canvas has the focus (it is focusable: tabindex="0").
  function controls(viewer, container) {
    var canvas = viewer.get("canvas");
    function zoom(how) {
      if (how === "fit") {
        canvas.zoom("fit-viewport", "auto");
      } else {
        var level = canvas.zoom();
        canvas.zoom(how === "in" ? level * ZOOM_STEP : level / ZOOM_STEP, "auto");
      }
    }
    var toolbar = container.parentNode.querySelector(".diagram__controls");
    if (toolbar) {
      Array.prototype.forEach.call(toolbar.querySelectorAll("button[data-zoom]"), function (button) {
        button.addEventListener("click", function () { zoom(button.getAttribute("data-zoom")); });
      });
      toolbar.hidden = false;
    }
    var caption = container.parentNode.querySelector(".diagram__caption");
    if (caption) {
      caption.hidden = false;
    }
    var keys = {
      "+": function () { zoom("in"); }, "=": function () { zoom("in"); },
      "-": function () { zoom("out"); }, "0": function () { zoom("fit"); },
      ArrowLeft: function () { canvas.scroll({ dx: PAN_STEP, dy: 0 }); },
      ArrowRight: function () { canvas.scroll({ dx: -PAN_STEP, dy: 0 }); },
      ArrowUp: function () { canvas.scroll({ dx: 0, dy: PAN_STEP }); },
      ArrowDown: function () { canvas.scroll({ dx: 0, dy: -PAN_STEP }); }
    };
    container.addEventListener("keydown", function (event) {
      var action = keys[event.key];
      if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        action();
      }
    });
  }

  function fail(container, message) {
    container.setAttribute("data-error", message);
    var notice = document.createElement("p");
    notice.className = "diagram__fallback";
    notice.textContent = "Das Diagramm konnte nicht gezeichnet werden (" + message + "). Die Tabelle unten enthält alle Schritte.";
    container.appendChild(notice);
  }

  function draw() {
    var container = document.getElementById("diagram");
    if (!container) {
      return;
    }
    if (!window.BpmnJS) {
      fail(container, "bpmn-js fehlt");
      return;
    }
    fetch(container.getAttribute("data-bpmn-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        container.textContent = "";
        var viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(xml).then(function () {
          viewer.get("canvas").zoom("fit-viewport");
          controls(viewer, container);
          markStates(viewer);
          markChanges(viewer);
          markCounts(viewer);
          markComments(viewer);
          container.setAttribute("data-rendered", "true");
        });
      })
      .catch(function (error) {
        fail(container, error.message || String(error));
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
