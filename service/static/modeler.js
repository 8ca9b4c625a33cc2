/* The process change page: edits the diagram with the bpmn-js Modeler served from
 * static/vendor/ (copied from npm by `make install`, never a CDN). The XML comes from the
 * container's data-bpmn-url, or from the hidden field when the page came back with an error
 * (then the element the message names is marked). On submit the drawn diagram goes into the
 * hidden field bpmn_xml; without JavaScript the page offers the upload of a .bpmn file.
 * No inline script: CSP script-src 'self'.
 */
(function () {
  "use strict";

  function markError(modeler) {
    var message = document.getElementById("field-bpmn-error");
    var id = message && message.getAttribute("data-element");
    var element = id && modeler.get("elementRegistry").get(id);
    if (!element) {
      return;
    }
    modeler.get("canvas").addMarker(id, "check-error");
    var note = document.createElement("span");
    note.className = "check-badge";
    note.textContent = "\u26A0 " + message.textContent.replace(/^\s*Fehler:\s*/, "").slice(0, 160);
    modeler.get("overlays").add(id, "check", { position: { bottom: -6, left: 0 }, html: note });
  }

  function start() {
    var container = document.getElementById("modeler");
    var form = document.getElementById("change-form");
    var field = document.getElementById("field-bpmn_xml");
    if (!container || !form || !field || !window.BpmnJS) {
      return;  // the upload stays: the page works without the editor
    }
    var modeler = new window.BpmnJS({ container: container });
    var changed = field.value.trim() !== "";
    var source = changed ? Promise.resolve(field.value) :
      fetch(container.getAttribute("data-bpmn-url"), { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      });
    source.then(function (xml) {
      return modeler.importXML(xml);
    }).then(function () {
      container.parentNode.hidden = false;
      // bpmn-js measured the container while it was hidden (0 x 0): measure again, or the fit
      // computes a non-finite zoom and the editor stays empty
      modeler.get("canvas").resized();
      modeler.get("canvas").zoom("fit-viewport");
      modeler.get("eventBus").on("commandStack.changed", function () { changed = true; });
      markError(modeler);
      container.setAttribute("data-rendered", "true");
      form.addEventListener("submit", function (event) {
        if (!changed || form.getAttribute("data-saved") === "true") {
          return;
        }
        event.preventDefault();
        modeler.saveXML({ format: true }).then(function (result) {
          field.value = result.xml;
          form.setAttribute("data-saved", "true");
          form.submit();
        });
      });
      window.koopflowModeler = modeler;  // for the browser tests, which edit as a person would
    }).catch(function (error) {
      container.setAttribute("data-error", error.message || String(error));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
