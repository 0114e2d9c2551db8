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

  // Menus of the navigation bar (disclosures): a click elsewhere or Escape closes an open one.
  function closeMenus(except) {
    document.querySelectorAll(".nav-menu details[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest(".nav-menu details"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeMenus(null); }
  });

  document.documentElement.classList.add("js");
})();

// == Work queues (templates/queues/_queue.html) ==
// Queue filters apply as soon as a choice is made with the mouse or a checkbox is ticked; a
// select changed with the arrow keys waits for the "Apply filters" button, so that each arrow
// key does not reload the list.
(function () {
  "use strict";
  var KEYED = "queueKeyed";

  document.addEventListener("keydown", function (event) {
    var select = event.target.closest && event.target.closest("form[data-queue-filters] select");
    if (select && event.key !== "Tab") { select.dataset[KEYED] = "1"; }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-queue-filters]");
    if (!form) { return; }
    if (event.target.dataset[KEYED] === "1") { delete event.target.dataset[KEYED]; return; }
    form.requestSubmit();
  });
})();
// == end of work queues ==

// == Bulk marking (search page) and batch decisions (queue): "select all on this page" checks every row ==
// Without this, the server adds the page's hits itself when "select all on this page" is sent.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") { return; }
    var selector = box.getAttribute("data-select-all");
    if (selector) {
      document.querySelectorAll(selector).forEach(function (hit) { hit.checked = box.checked; });
    } else if ((box.classList.contains("hit-select") || box.classList.contains("decide-select")) && !box.checked) {
      // One row left out: the page is no longer selected as a whole.
      document.querySelectorAll("[data-select-all]").forEach(function (all) { all.checked = false; });
    }
  });

  // After a preview is swapped in, move the focus to its heading (or to the form's errors), so
  // that keyboard and screen reader users land on the outcome rather than at the page top.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "bulk-main") { return; }
    var outcome = document.getElementById("bulk-preview-title") || document.getElementById("bulk-errors");
    var path = event.detail.requestConfig && event.detail.requestConfig.path;
    if (outcome && path && /\/bulk\/preview$/.test(path)) { outcome.focus(); }
  });
})();
// == end of bulk marking ==

// == review marking: procedure page, mark pages ==
// Keyboard review of a procedure (j/k or arrows between elements, m/Enter opens the mark form,
// Ctrl+Enter saves, Escape cancels), the action-dependent inputs of the mark form, focus after
// HTMX swaps, the live region that announces saves, and errors of review forms shown in place.
(function () {
  "use strict";

  var ELEMENTS = '.element[data-element]:not([data-element^="legal:"]), .review-panel[data-element]';

  function elements() { return Array.prototype.slice.call(document.querySelectorAll(ELEMENTS)); }

  function isTyping(target) {
    return !!(target && target.closest &&
      target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function announce(text) {
    var live = document.getElementById("review-live");
    if (!live || !text) { return; }
    live.textContent = "";
    // A short pause makes screen readers announce the same message twice in a row too.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function hideGroup(group, hidden, keepEnabled) {
    group.hidden = hidden;
    if (!keepEnabled) { group.disabled = hidden; return; }
    // Estimates stay in the post (an edit must be able to empty them): a hidden group sends
    // empty values and gets what was typed back when it shows again.
    group.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (hidden && input.value) {
        input.setAttribute("data-stashed", input.value);
        input.value = "";
      } else if (!hidden && input.hasAttribute("data-stashed")) {
        input.value = input.getAttribute("data-stashed");
        input.removeAttribute("data-stashed");
      }
    });
  }

  // Only the inputs of the chosen action show; hidden groups are disabled and send nothing.
  function syncActionInputs(form) {
    var select = form.querySelector("select.mark-action");
    if (!select) { return; }
    var action = select.value;
    form.querySelectorAll("fieldset[data-actions]").forEach(function (group) {
      hideGroup(group, group.getAttribute("data-actions").split(" ").indexOf(action) === -1, false);
    });
    form.querySelectorAll("fieldset[data-hide-for]").forEach(function (group) {
      hideGroup(group, group.getAttribute("data-hide-for").split(" ").indexOf(action) !== -1, true);
    });
  }

  function focusFirstField(container) {
    var field = container.querySelector('.mark-form [aria-invalid="true"]') ||
      container.querySelector(".mark-form select, .mark-form input:not([type=hidden]), .mark-form textarea");
    if (field) { field.focus(); }
  }

  function elementOfBlock(block) {
    return document.querySelector('[data-review-block="' + block.id + '"]');
  }

  function openForm(element) {
    var block = document.getElementById(element.getAttribute("data-review-block") || "");
    if (!block) { return false; }
    if (block.querySelector(".mark-form")) { focusFirstField(block); return true; }
    var button = block.querySelector(".mark-open");
    if (!button) { return false; }
    button.click();
    return true;
  }

  function move(from, step) {
    var list = elements();
    if (!list.length) { return false; }
    var index = from ? list.indexOf(from) : -1;
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1)
      : Math.min(list.length - 1, Math.max(0, index + step));
    list[next].focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var form = target.closest ? target.closest(".mark-form") : null;
    var saving = form && event.key === "Enter" && (event.ctrlKey || event.metaKey);
    // A form swapped in moments ago gets its HTMX behaviour only when the swap settles;
    // process it now so that a quick save or cancel stays in the page.
    if ((saving || (form && event.key === "Escape")) && window.htmx) { window.htmx.process(form); }
    if (saving) {
      var save = form.querySelector(".mark-save");
      if (save) { event.preventDefault(); save.click(); }
      return;
    }
    if (form && event.key === "Escape") {
      var cancel = form.querySelector(".mark-cancel");
      if (cancel) { event.preventDefault(); cancel.click(); }
      return;
    }
    if (event.defaultPrevented || isTyping(target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var focused = target.matches && target.matches(ELEMENTS) ? target : null;
    var around = focused || (target.closest ? target.closest(ELEMENTS) : null);
    var key = event.key;
    if (key === "j" || (key === "ArrowDown" && focused)) {
      if (move(around, 1)) { event.preventDefault(); }
    } else if (key === "k" || (key === "ArrowUp" && focused)) {
      if (move(around, -1)) { event.preventDefault(); }
    } else if ((key === "m" && around) || (key === "Enter" && focused)) {
      if (openForm(around)) { event.preventDefault(); }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(".mark-form select.mark-action")) {
      syncActionInputs(event.target.form);
    }
  });

  document.addEventListener("review:announce", function (event) {
    announce(event.detail && event.detail.value);
  });

  // Focus after a swap: the form's first (or first invalid) input when a block opens, the
  // element again when it closes (save, cancel), else what the fragment asks for.
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.target;
    if (!elt.querySelector) { return; }
    elt.querySelectorAll(".mark-form").forEach(syncActionInputs);
    if (elt.classList.contains("review-block")) {
      if (elt.querySelector(".mark-form")) {
        focusFirstField(elt);
      } else {
        var element = elementOfBlock(elt);
        if (element) { element.focus(); }
      }
      return;
    }
    var wanted = elt.querySelector("[data-focus-after-swap]");
    if (wanted) {
      wanted.focus();
    } else if (elt.id === "mark-comments") {
      var text = elt.querySelector("textarea");
      if (text) { text.focus(); }
    } else if (elt.id === "mark-body") {
      var title = elt.querySelector("#mark-title");
      if (title) { title.focus(); }
    }
  });

  // A refusal (403, 404, 400) answering a review form is shown above that form; the page
  // stays as it was (htmx does not swap these statuses).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (status < 400 || status === 409 || status === 422 || !source || !source.closest) { return; }
    var form = source.closest(".mark-form, .step-form, .comment-form, .review-block");
    if (!form || !form.parentNode) { return; }
    var previous = form.parentNode.querySelector(":scope > .review-error");
    if (previous) { previous.remove(); }
    var box = document.createElement("div");
    box.className = "review-error";
    box.setAttribute("tabindex", "-1");
    box.innerHTML = event.detail.xhr.responseText;  // our own rendered error fragment
    form.parentNode.insertBefore(box, form);
    box.focus();
    event.detail.shouldSwap = false;
  });

  function ready() {
    document.querySelectorAll(".mark-form").forEach(syncActionInputs);
    var wanted = document.querySelector("[data-focus-after-swap]");
    if (wanted) { wanted.focus(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
// == end of review marking ==

// == keyboard on lists: search results and work queues ==
// As on the procedure page: j/k move between the rows, o (or Enter on a row) opens the row,
// x selects it (its checkbox: bulk marking, batch decisions), m marks the matched element.
// Without JavaScript every row is a plain link and checkbox.
(function () {
  "use strict";

  var ROWS = "#search-results .hit, #queue .queue-table tbody tr";

  function rows() { return Array.prototype.slice.call(document.querySelectorAll(ROWS)); }

  function isTyping(target) {
    return !!(target && target.closest &&
      target.closest("input:not([type=checkbox]), textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function focusRow(row) {
    if (!row.hasAttribute("tabindex")) { row.setAttribute("tabindex", "-1"); }
    row.focus();
    if (row.scrollIntoView) { row.scrollIntoView({ block: "nearest" }); }
  }

  function openLink(row) {
    return row.querySelector("a[data-row-open]") || row.querySelector(".hit-title a") ||
      row.querySelector("td:last-child a[href]") || row.querySelector("a[href]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) { return; }
    var list = rows();
    if (!list.length) { return; }
    var target = event.target;
    var row = target.closest ? target.closest(ROWS) : null;
    var key = event.key;
    if (key === "j" || key === "k") {
      var index = row ? list.indexOf(row) : -1;
      var next = index === -1 ? (key === "j" ? 0 : list.length - 1)
        : Math.min(list.length - 1, Math.max(0, index + (key === "j" ? 1 : -1)));
      focusRow(list[next]);
      event.preventDefault();
      return;
    }
    if (!row) { return; }
    if (key === "o" || (key === "Enter" && target === row)) {
      var link = openLink(row);
      if (link) { event.preventDefault(); link.click(); }
    } else if (key === "x") {
      var box = row.querySelector("input[type=checkbox]");
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (key === "m" && row.getAttribute("data-mark-url")) {
      event.preventDefault();
      window.location.assign(row.getAttribute("data-mark-url"));
    }
  });
})();
// == end of keyboard on lists ==
