"use strict";
// The scan page follows its scan and reloads when it ends (without this script it refreshes itself).
(function () {
  var scan = document.getElementById("scan");
  if (!scan || scan.dataset.ended) { return; }
  var state = document.getElementById("scan-state");
  var words = { queued: "Queued: waiting for a worker", running: "Scanning", done: "Done", failed: "Failed" };
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/api/v1/scans/" + scan.dataset.scan);
    xhr.onload = function () {
      if (xhr.status !== 200) { window.setTimeout(poll, 2000); return; }
      var job = JSON.parse(xhr.responseText);
      state.textContent = words[job.status] || job.status;
      if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
      window.setTimeout(poll, 700);
    };
    xhr.onerror = function () { window.setTimeout(poll, 2000); };
    xhr.send();
  }
  window.setTimeout(poll, 700);
})();
