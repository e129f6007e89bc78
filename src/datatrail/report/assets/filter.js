"use strict";
// Adds a filter box above each evidence table: rows whose text lacks the query are hidden.
document.querySelectorAll("table.filterable").forEach(function (table) {
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  if (rows.length < 6) { return; }
  var box = document.createElement("input");
  box.type = "search";
  box.className = "filter";
  box.placeholder = "Filter " + rows.length + " rows…";
  box.setAttribute("aria-label", "Filter the rows of this table");
  box.addEventListener("input", function () {
    var query = box.value.trim().toLowerCase();
    rows.forEach(function (row) {
      row.classList.toggle("hidden", query !== "" && row.textContent.toLowerCase().indexOf(query) < 0);
    });
  });
  var anchor = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
  anchor.parentNode.insertBefore(box, anchor);
});
