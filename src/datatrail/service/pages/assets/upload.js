"use strict";
// The upload form, enhanced: the file goes to the API with a real progress bar, then the scan's
// state is followed until it ends and the browser goes to what it made. Without this script the
// form posts to /upload and the scan page refreshes itself.
(function () {
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var drop = document.getElementById("drop");
  var input = document.getElementById("file");
  var box = document.getElementById("progress");
  var bar = document.getElementById("upload-progress");
  var state = document.getElementById("upload-state");
  var words = { queued: "Queued: waiting for a worker", running: "Scanning…", done: "Done", failed: "Failed" };

  function say(text, failed) {
    state.textContent = text;
    state.classList.toggle("failed", !!failed);
  }
  function message(xhr) {
    try { return JSON.parse(xhr.responseText).error.message; } catch (e) { return "the server answered " + xhr.status; }
  }
  function follow(id) {
    var poll = new XMLHttpRequest();
    poll.open("GET", "/api/v1/scans/" + id);
    poll.onload = function () {
      if (poll.status !== 200) { say("Could not follow the scan: " + message(poll), true); return; }
      var scan = JSON.parse(poll.responseText);
      say(words[scan.status] || scan.status, scan.status === "failed");
      if (scan.status === "done" || scan.status === "failed") { window.location.assign("/scans/" + id); return; }
      window.setTimeout(function () { follow(id); }, 700);
    };
    poll.onerror = function () { window.setTimeout(function () { follow(id); }, 2000); };
    poll.send();
  }
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
  });
  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    var data = new FormData();
    data.append("file", input.files[0]);
    var xhr = new XMLHttpRequest();
    var rescan = form.elements.rescan && form.elements.rescan.checked;
    xhr.open("POST", "/api/v1/scans" + (rescan ? "?rescan=true" : ""));
    var token = form.elements.token && form.elements.token.value.trim();
    if (token) { xhr.setRequestHeader("Authorization", "Bearer " + token); }
    box.hidden = false;
    bar.value = 0;
    say("Uploading…");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onload = function () {
      if (xhr.status === 200 || xhr.status === 202) {
        bar.value = 100;
        var scan = JSON.parse(xhr.responseText);
        say(words[scan.status] || scan.status);
        follow(scan.id);
      } else {
        say(message(xhr), true);
      }
    };
    xhr.onerror = function () { say("The upload did not reach the server.", true); };
    xhr.send(data);
  });
})();
