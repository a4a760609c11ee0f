// PDF summaries: follow a queued or rendering summary without reloading the page (templates/summaries/_list.html).
// Every two seconds it asks the summary's status address for the row as the server renders it, swaps it in, and
// stops once the summary is ready or has failed. Without JavaScript the page still works: a refresh shows the state.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var MAX_ERRORS = 5; // signed out, or the server is down: stop rather than poll for ever
  var announcer = document.getElementById("pdf-summaries-status");

  function unfinished(status) {
    return status === "queued" || status === "rendering";
  }

  function poll(row, errors) {
    window
      .fetch(row.getAttribute("data-status-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        redirect: "error",
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        // Cells rendered by the server's own template (summaries/_row.html), escaped there.
        row.innerHTML = data.html;
        row.setAttribute("data-status", data.status);
        if (data.final) {
          if (announcer) {
            announcer.textContent = data.message;
          }
        } else {
          window.setTimeout(function () { poll(row, 0); }, POLL_MS);
        }
      })
      .catch(function () {
        if (errors + 1 < MAX_ERRORS) {
          window.setTimeout(function () { poll(row, errors + 1); }, POLL_MS * 2);
        }
      });
  }

  var rows = document.querySelectorAll("tr[data-status-url]");
  Array.prototype.forEach.call(rows, function (row) {
    if (unfinished(row.getAttribute("data-status"))) {
      window.setTimeout(function () { poll(row, 0); }, POLL_MS);
    }
  });
})();
