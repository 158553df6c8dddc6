// The API reference, drawn from /openapi.json without any library (no CDN, no inline script).
"use strict";
(function () {
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function schemaName(ref) { return ref ? ref.split("/").pop() : ""; }
  function body(op) {
    var c = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    return c ? schemaName(c.schema.$ref) : "";
  }
  function fields(spec, name) {
    var s = spec.components.schemas[name];
    var ul = el("ul");
    Object.keys(s.properties || {}).forEach(function (k) {
      var p = s.properties[k];
      ul.appendChild(el("li", k + ": " + (p.description || p.title || "")));
    });
    return ul;
  }
  var token = new URLSearchParams(location.search).get("token");
  fetch("/openapi.json", {headers: token ? {Authorization: "Bearer " + token} : {}})
    .then(function (r) { return r.json(); })
    .then(function (spec) {
      var main = document.getElementById("endpoints");
      main.textContent = "";
      main.appendChild(el("p", spec.info.description));
      Object.keys(spec.paths).forEach(function (path) {
        Object.keys(spec.paths[path]).forEach(function (method) {
          var op = spec.paths[path][method];
          var sec = el("section", "", "endpoint");
          sec.appendChild(el("h2", method.toUpperCase() + " " + path));
          sec.appendChild(el("p", op.summary || ""));
          var b = body(op);
          if (b) { sec.appendChild(el("p", "Body: " + b)); sec.appendChild(fields(spec, b)); }
          sec.appendChild(el("p", "Answers: " + Object.keys(op.responses).join(", ")));
          main.appendChild(sec);
        });
      });
    });
}());
