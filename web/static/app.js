// 汇通 web UI: small progressive enhancements. Every form works without
// this script; it only adds conveniences.
(function () {
  "use strict";

  // "添加信息项": copy the last row of the items table with empty values
  // and the next row number. Without JavaScript the "更多行" button asks the
  // server for more rows instead.
  function setupItems() {
    var table = document.getElementById("items");
    var add = document.getElementById("add-item");
    var rows = document.getElementById("rows");
    if (!table || !add || !rows) return;
    var more = document.getElementById("more-rows");
    if (more) more.hidden = true;
    add.hidden = false;
    add.addEventListener("click", function () {
      var body = table.tBodies[0];
      var last = body.rows[body.rows.length - 1];
      if (!last) return;
      var n = body.rows.length;
      var row = last.cloneNode(true);
      row.classList.remove("row-error");
      var num = row.querySelector(".rownum");
      if (num) num.textContent = String(n + 1);
      row.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
      row.querySelectorAll("input, select").forEach(function (el) {
        if (el.name) el.name = el.name.replace(/^items\.\d+\./, "items." + n + ".");
        if (el.id) el.id = el.id.replace(/^f-items-\d+-/, "f-items-" + n + "-");
        var label = el.getAttribute("aria-label");
        if (label) el.setAttribute("aria-label", label.replace(/第 \d+ 行/, "第 " + (n + 1) + " 行"));
        el.removeAttribute("aria-invalid");
        if (el.type === "radio") {
          el.value = String(n);
          el.checked = false;
        } else if (el.type === "checkbox") {
          el.checked = false;
        } else if (el.tagName === "SELECT") {
          el.selectedIndex = 0;
        } else {
          el.value = "";
        }
      });
      body.appendChild(row);
      rows.value = String(n + 1);
      var first = row.querySelector("input");
      if (first) first.focus();
    });
  }

  // Copy the new API key's secret.
  function setupCopy() {
    var btn = document.getElementById("copy-secret");
    if (!btn || !navigator.clipboard) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-target"));
      if (!el) return;
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        btn.textContent = "已复制";
      }, function () {
        btn.textContent = "复制失败，请手动选中复制";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupItems();
    setupCopy();
  });
})();
