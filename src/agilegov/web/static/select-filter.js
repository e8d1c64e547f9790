// A filter box above each long select (select[data-filter], the box's label in
// that attribute): typing hides the options whose text does not contain what
// was typed; chosen options always stay. Without scripts the select works as
// it is. Pages swapped in by htmx get their boxes when they load.
(function () {
  "use strict";

  function matches(option, words) {
    var text = option.textContent.toLowerCase();
    return words.every(function (word) { return text.indexOf(word) !== -1; });
  }

  function enhance(select) {
    if (select.dataset.filtered) return;
    select.dataset.filtered = "yes";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.id = select.id + "-filter";
    box.setAttribute("aria-label", select.dataset.filter);
    box.setAttribute("aria-controls", select.id);
    box.placeholder = select.dataset.filter;
    box.autocomplete = "off";
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = !(option.selected || option.value === "" || matches(option, words));
      });
    });
    box.addEventListener("keydown", function (event) {
      // Down from the box goes to the options, as from a search field to its results.
      if (event.key === "ArrowDown") {
        event.preventDefault();
        select.focus();
      } else if (event.key === "Enter") {
        event.preventDefault(); // filtering, not sending the form
      }
    });
    select.parentNode.insertBefore(box, select);
  }

  function enhanceWithin(root) {
    var selects = root.querySelectorAll ? root.querySelectorAll("select[data-filter]") : [];
    Array.prototype.forEach.call(selects, enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceWithin(document); });
  document.addEventListener("htmx:load", function (event) { enhanceWithin(event.target); });
})();
