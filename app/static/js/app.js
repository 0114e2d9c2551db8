// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Language switcher: submit on change (the button stays for keyboard and no-JS users).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select) { select.form.requestSubmit(); }
  });

  // Confirmation before destructive plain-form actions.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  // Upload progress for the import form; falls back to a normal post without JS.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "import-form" || event.defaultPrevented) { return; }
    var bar = document.getElementById("upload-progress");
    if (!window.XMLHttpRequest || !bar) { return; }
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL && xhr.responseURL !== form.action) {
        window.location.assign(xhr.responseURL);
      } else {
        document.open(); document.write(xhr.responseText); document.close();
      }
    });
    xhr.addEventListener("error", function () { form.submit(); });
    xhr.send(new FormData(form));
  });

  document.documentElement.classList.add("js");
})();
