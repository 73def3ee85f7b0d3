// The netting round form's firm picker: search the candidate firms and add their credit codes
// to the "firms" box (the box alone is what the form sends; it works without this script).
(function () {
  "use strict";
  var picker = document.querySelector(".firm-picker");
  if (!picker) { return; }
  var input = document.getElementById("id_firm_q");
  var list = document.getElementById("firm-results");
  var box = document.getElementById("id_firms");
  var firmsRadio = document.getElementById("scope-firms");
  var timer = null;

  function chosen() {
    return box.value.split(/[\n,;，；、]+/).map(function (s) { return s.trim(); });
  }

  function add(code) {
    if (chosen().indexOf(code) === -1) {
      box.value = (box.value.trim() ? box.value.trim() + "\n" : "") + code;
    }
    if (firmsRadio) { firmsRadio.checked = true; }
  }

  function render(firms) {
    list.textContent = "";
    firms.forEach(function (f) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = picker.dataset.addLabel;
      b.addEventListener("click", function () { add(f.credit_code); b.disabled = true; });
      if (chosen().indexOf(f.credit_code) !== -1) { b.disabled = true; }
      var label = document.createElement("span");
      label.textContent = f.name + " · " + f.credit_code + " · " + f.obligations + " " +
        picker.dataset.countLabel;
      li.appendChild(b);
      li.appendChild(label);
      list.appendChild(li);
    });
  }

  function search() {
    var url = picker.dataset.searchUrl + "?q=" + encodeURIComponent(input.value);
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { render(data.firms || []); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); search(); }
  });
})();
