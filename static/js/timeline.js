// Coordinator's timeline: move a booking by drag and drop, or by keyboard (Space on a booking, arrows to
// choose the half-day, Enter to move, Escape to cancel). Both post the page's move form to the same service
// as the booking's move form; without JS each booking is a link to that form. Words come from the page
// (data-* of the grid), in the reader's language.
(function () {
  "use strict";
  var grid = document.getElementById("timeline");
  var form = document.getElementById("tl-move-form");
  var live = document.getElementById("tl-live");
  if (!grid || !form) { return; }
  var selected = null;  // the booking link being moved by keyboard
  var target = null;    // the cell chosen as its new place

  function cellOf(node) { return node && node.closest ? node.closest("td.tl-cell") : null; }
  function expertOf(cell) { return cell.parentElement.dataset.expert; }
  function describe(cell) {
    var name = cell.parentElement.querySelector("th").firstChild.textContent.trim();
    var head = document.getElementById("d" + cell.dataset.day);
    var half = cell.dataset.half === "am" ? grid.dataset.am : grid.dataset.pm;
    return name + ", " + (head ? head.textContent.trim() : cell.dataset.day) + " " + half;
  }
  function say(text) { if (live) { live.textContent = text; } }

  function submit(bookingId, cell) {
    form.querySelector("#tl-move-booking").value = bookingId;
    form.querySelector("#tl-move-expert").value = expertOf(cell);
    form.querySelector("#tl-move-day").value = cell.dataset.day;
    form.querySelector("#tl-move-half").value = cell.dataset.half;
    form.submit();
  }

  // --- drag and drop
  var dragged = null;
  grid.addEventListener("dragstart", function (event) {
    var link = event.target.closest ? event.target.closest("a.tl-booking[data-movable]") : null;
    if (!link) { event.preventDefault(); return; }
    dragged = link.dataset.booking;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
  });
  grid.addEventListener("dragover", function (event) {
    if (dragged && cellOf(event.target)) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }
  });
  grid.addEventListener("drop", function (event) {
    var cell = cellOf(event.target);
    if (!dragged || !cell) { return; }
    event.preventDefault();
    submit(dragged, cell);
  });
  grid.addEventListener("dragend", function () { dragged = null; });

  // --- keyboard
  function choose(cell) {
    if (target) { target.classList.remove("tl-target"); target.removeAttribute("tabindex"); }
    target = cell;
    cell.classList.add("tl-target");
    cell.setAttribute("tabindex", "-1");
    cell.focus();
    say(describe(cell));
  }
  function stop() {
    if (target) { target.classList.remove("tl-target"); target.removeAttribute("tabindex"); }
    if (selected) { selected.classList.remove("tl-selected"); selected.focus(); }
    selected = target = null;
    say(grid.dataset.cancelled);
  }
  function neighbour(cell, key) {
    var row = cell.parentElement;
    var cells = Array.prototype.slice.call(row.querySelectorAll("td.tl-cell"));
    var index = cells.indexOf(cell);
    if (key === "ArrowLeft") { return cells[index - 1] || cell; }
    if (key === "ArrowRight") { return cells[index + 1] || cell; }
    var other = key === "ArrowUp" ? row.previousElementSibling : row.nextElementSibling;
    if (!other) { return cell; }
    return other.querySelectorAll("td.tl-cell")[index] || cell;
  }
  grid.addEventListener("keydown", function (event) {
    var link = event.target.closest ? event.target.closest("a.tl-booking[data-movable]") : null;
    if (!selected && link && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      selected = link;
      link.classList.add("tl-selected");
      say(grid.dataset.selected + " " + link.getAttribute("aria-label"));
      choose(cellOf(link));
      return;
    }
    if (!selected) { return; }
    if (event.key === "Escape") { event.preventDefault(); stop(); return; }
    if (event.key === "Enter" && target) { event.preventDefault(); submit(selected.dataset.booking, target); return; }
    if (/^Arrow/.test(event.key) && target) { event.preventDefault(); choose(neighbour(target, event.key)); }
  });
})();
