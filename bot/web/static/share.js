// Remembers the visitor's platform in this browser (localStorage, nothing leaves it) and points each track's
// main link there. Without this script the picker still works: it reloads the page with ?p=.
(function () {
  "use strict";
  var KEY = "sharify.platform";
  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* storage off: the choice lasts this page */ }
  }
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function apply(platform) {
    var rows = document.querySelectorAll("li.track");
    for (var i = 0; i < rows.length; i++) {
      var primary = rows[i].querySelector("a.primary");
      var target = rows[i].querySelector('ul.links a[data-platform="' + platform + '"]');
      if (!primary || !target) { continue; }
      primary.href = target.href;
      primary.dataset.platform = platform;
      primary.firstChild.nodeValue = target.textContent;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("platform");
    var form = document.getElementById("picker");
    if (!select || !form) { return; }
    var fromUrl = new URLSearchParams(window.location.search).get("p");
    var choice = fromUrl || stored();
    if (choice && select.querySelector('option[value="' + choice + '"]')) {
      select.value = choice;
      apply(choice);
      store(choice);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      store(select.value);
      apply(select.value);
    });
    select.addEventListener("change", function () {
      store(select.value);
      apply(select.value);
    });
  });
})();
