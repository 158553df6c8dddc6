// The desk's page: pick a scenario, change it with form controls, see the changed run beside the baseline.
// No library, no inline script (the page's content security policy allows only this file).
"use strict";
(function () {
  var params = new URLSearchParams(location.search);
  var token = params.get("token");
  var state = {scenarios: {}, id: null, doc: null, baseline: null, changed: null, seq: 0, timer: null};

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function group(n) {  // 1 234 567, as the library writes numbers
    if (n === null || n === undefined || n === "") { return ""; }
    if (typeof n !== "number") { return String(n); }
    var s = Number.isInteger(n) ? String(Math.abs(n)) : Math.abs(n).toFixed(2);
    var parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return (n < 0 ? "\u2212" : "") + parts.join(".");
  }
  function headers() {
    var h = {"Content-Type": "application/json"};
    if (token) { h.Authorization = "Bearer " + token; }
    return h;
  }
  function withToken(url) { return token ? url + (url.indexOf("?") < 0 ? "?" : "&") + "token=" + encodeURIComponent(token) : url; }
  function say(text, error) { var s = $("status"); s.textContent = text; s.className = error ? "error" : ""; }

  function api(path, body) {
    var opts = body ? {method: "POST", headers: headers(), body: JSON.stringify(body)} : {headers: headers()};
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (doc) {
        if (!r.ok) { var e = new Error(problemText(doc)); e.problem = doc; throw e; }
        return doc;
      });
    });
  }
  function problemText(doc) {
    if (doc.problems && doc.problems.length) {
      return doc.title + ": " + doc.problems.map(function (p) {
        return p.key + (p.value === null ? "" : " = " + p.value) + ": " + p.message + (p.allowed ? " (allowed: " + p.allowed + ")" : "");
      }).join("; ");
    }
    return (doc.title || "error") + ": " + (doc.detail || "");
  }
  function rows(payload, table) { return payload.tables[table] ? payload.tables[table].data : []; }  // some runs have no offsets
  function byKey(list, key) { var m = {}; list.forEach(function (r) { m[key(r)] = r; }); return m; }

  // --- controls ---------------------------------------------------------------
  function numberControl(parent, id, label, value, key, step, min, max, opts) {
    // opts.group: inputs sent together when one of them changes (a pledge's types, a mix's shares);
    // opts.name: the accessible name when the visible label is short (the state is in the group's heading)
    opts = opts || {};
    var lab = el("label"); lab.htmlFor = id;
    lab.appendChild(el("span", label));
    var input = el("input"); input.type = "number"; input.id = id; input.step = step; input.min = min;
    if (max !== undefined) { input.max = max; }
    var v = (value === undefined || value === null) ? "" : value;
    input.value = v; input.dataset.key = key; input.dataset.base = v;
    if (opts.group) { input.dataset.group = opts.group; }
    if (opts.name) { input.setAttribute("aria-label", opts.name); }
    if (opts.placeholder) { input.placeholder = opts.placeholder; }
    input.addEventListener("input", schedule);
    lab.appendChild(input);
    parent.appendChild(lab);
  }
  function clear(fieldset) { while (fieldset.children.length > 1) { fieldset.removeChild(fieldset.lastChild); } }

  function buildControls(doc, base) {
    var pool = $("pool-controls"), ded = $("deduction-controls"), need = $("need-controls");
    [pool, ded, need].forEach(clear);
    var p = doc.pool || {};
    numberControl(pool, "pool-relocations", "Relocations (R)", p.relocations, "pool.relocations", 100, 0);
    numberControl(pool, "pool-financial", "Financial contributions (F, EUR)", p.financial_eur, "pool.financial_eur", 1000000, 0);
    var states = doc.states || {};
    rows(base, "shares").forEach(function (r) { stateControls(ded, r, states[r.geo] || {}); });
    var bens = doc.beneficiaries || {};
    Object.keys(bens).forEach(function (geo) {
      var n = bens[geo].needs || {};
      numberControl(need, "need-" + geo + "-relocations", geo + ": relocations", n.relocations || 0,
                    "beneficiaries." + geo + ".needs.relocations", 100, 0);
      numberControl(need, "need-" + geo + "-financial", geo + ": financial (EUR)", n.financial_eur || 0,
                    "beneficiaries." + geo + ".needs.financial_eur", 1000000, 0);
    });
    if (!Object.keys(bens).length) { need.appendChild(el("p", "This scenario names no beneficiaries' needs.")); }
  }
  function stateControls(parent, r, st) {
    // one state: its deduction, a recorded pledge (states.XX.fixed) and a stated preference (states.XX.mix)
    var name = r.country + " (" + r.geo + ")", k = "states." + r.geo;
    var box = el("details"); box.id = "state-" + r.geo;
    box.appendChild(el("summary", name));
    numberControl(box, "deduction-" + r.geo, "Deduction (0 to 1)", r.deduction, k + ".deduction", 0.05, 0, 1,
                  {name: name + ": deduction"});
    var fixed = st.fixed || null, mix = st.mix || null;
    box.appendChild(el("p", "Recorded pledge (blank: not recorded; a type left blank is 0)", "sub"));
    numberControl(box, "fixed-" + r.geo + "-relocations", "Relocations", fixed ? (fixed.relocations || 0) : null,
                  k + ".fixed.relocations", 10, 0, undefined,
                  {group: k + ".fixed", name: name + ": recorded pledge, relocations", placeholder: "not recorded"});
    numberControl(box, "fixed-" + r.geo + "-financial", "Money (EUR)", fixed ? (fixed.financial_eur || 0) : null,
                  k + ".fixed.financial_eur", 100000, 0, undefined,
                  {group: k + ".fixed", name: name + ": recorded pledge, money (EUR)", placeholder: "not recorded"});
    box.appendChild(el("p", "Stated preference, shares of the obligation adding up to 1 (blank: none stated)", "sub"));
    [["relocation", "Relocation"], ["financial", "Money"], ["alternative", "Alternative"]].forEach(function (t) {
      numberControl(box, "mix-" + r.geo + "-" + t[0], t[1] + " share", mix ? (mix[t[0]] || 0) : null,
                    k + ".mix." + t[0], 0.1, 0, 1,
                    {group: k + ".mix", name: name + ": stated preference, " + t[1].toLowerCase() + " share",
                     placeholder: "none"});
    });
    parent.appendChild(box);
  }
  function isChanged(i) {
    if (i.dataset.base === "") { return i.value !== ""; }
    return i.value !== "" && Number(i.value) !== Number(i.dataset.base);
  }
  function currentSets() {
    // a changed input is sent; so are the other filled inputs of its group, so that a pledge or a mix is
    // sent whole (a mix's shares must add up to 1 in one run, not one share at a time)
    var inputs = Array.prototype.slice.call(document.querySelectorAll("#controls input"));
    var groups = {};
    inputs.forEach(function (i) {
      var changed = isChanged(i);
      i.classList.toggle("changed", changed);
      if (changed && i.dataset.group) { groups[i.dataset.group] = true; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("#controls details"), function (d) {
      var any = d.querySelector("input.changed") !== null;
      d.classList.toggle("changed", any);
      if (any) { d.open = true; }
    });
    var sets = [];
    inputs.forEach(function (i) {
      if (i.classList.contains("changed") || (i.dataset.group && groups[i.dataset.group] && i.value !== "")) {
        sets.push(i.dataset.key + "=" + i.value);
      }
    });
    return sets;
  }
  function applySets(sets) {
    sets.forEach(function (s) {
      var k = s.split("=")[0], v = s.slice(k.length + 1);
      var i = document.querySelector('#controls input[data-key="' + k + '"]');
      if (i) { i.value = v; }
    });
  }

  // --- runs -------------------------------------------------------------------
  function schedule() { clearTimeout(state.timer); state.timer = setTimeout(runChanged, 250); }
  function runChanged() {
    var sets = currentSets();
    var q = new URLSearchParams();
    q.set("scenario", state.id);
    sets.forEach(function (s) { q.append("set", s); });
    if (token) { q.set("token", token); }
    history.replaceState(null, "", "?" + q.toString());
    var seq = ++state.seq;
    say("Solving\u2026");
    var t0 = performance.now();
    return api("/api/run", {scenario: state.id, set: sets}).then(function (payload) {
      if (seq !== state.seq) { return; }
      state.changed = payload;
      render();
      say("Solved and verified in " + Math.round(performance.now() - t0) + " ms" +
          (sets.length ? " (" + sets.length + " change" + (sets.length > 1 ? "s" : "") + ")" : " (no change)"));
    }).catch(function (e) { if (seq === state.seq) { say(e.message, true); } });
  }
  function pickScenario(id, sets) {
    state.id = id;
    $("scenario").value = id;
    state.doc = state.scenarios[id].document;
    say("Solving the baseline\u2026");
    return api("/api/run", {scenario: id, set: []}).then(function (base) {
      state.baseline = base;
      buildControls(state.doc, base);
      applySets(sets || []);
      var sel = $("explain-state"); sel.textContent = "";
      rows(base, "shares").forEach(function (r) {
        var o = el("option", r.country + " (" + r.geo + ")"); o.value = r.geo; sel.appendChild(o);
      });
      $("explanation").textContent = "";
      return runChanged();
    }).catch(function (e) { say(e.message, true); });
  }

  // --- results ----------------------------------------------------------------
  function head(table, names) {
    var tr = el("tr");
    names.forEach(function (n, i) { var th = el("th", n, i ? "num" : ""); th.scope = "col"; tr.appendChild(th); });
    var thead = el("thead"); thead.appendChild(tr); table.appendChild(thead);
  }
  function diffRow(label, pairs, id) {
    // pairs: [[baseline, changed, name], ...]: each gives three cells, the baseline, the changed run, the difference
    var tr = el("tr"); if (id) { tr.id = id; }
    var th = el("th", label); th.scope = "row"; tr.appendChild(th);
    pairs.forEach(function (pair) {
      var a = pair[0], b = pair[1];
      var d = (typeof a === "number" && typeof b === "number") ? b - a : null;
      tr.appendChild(el("td", group(a), "num"));
      var cb = el("td", group(b), "num"); cb.dataset.value = b; cb.dataset.col = pair[2] || "value"; tr.appendChild(cb);
      tr.appendChild(el("td", d ? (d > 0 ? "\u25b2 +" : "\u25bc ") + group(d) : "", "num" + (d > 0 ? " up" : d < 0 ? " down" : "")));
      if (d) { tr.className = "diff"; }
    });
    return tr;
  }
  function fill(table, cols, list) {
    table.textContent = ""; head(table, cols);
    var body = el("tbody"); list.forEach(function (r) { body.appendChild(r); }); table.appendChild(body);
  }
  function render() {
    var a = state.baseline, b = state.changed;
    $("summary").textContent = b.summary;
    var sh = byKey(rows(a, "shares"), function (r) { return r.geo; });
    var ua = byKey(rows(a, "obligations"), function (r) { return r.geo; });
    var ub = byKey(rows(b, "obligations"), function (r) { return r.geo; });
    fill($("obligations"), ["State", "Baseline (relocations)", "Changed (relocations)", "Difference",
                            "Baseline (EUR)", "Changed (EUR)", "Difference", "Baseline unmet (EUR)", "Changed unmet (EUR)", "Difference"],
         rows(b, "shares").map(function (r) {
           var base = sh[r.geo] || {}, ubase = ua[r.geo] || {}, uch = ub[r.geo] || {};
           return diffRow(r.country + " (" + r.geo + ")", [
             [base.obligation_relocations, r.obligation_relocations, "obligation_relocations"],
             [base.obligation_eur, r.obligation_eur, "obligation_eur"],
             [ubase.unmet_eur, uch.unmet_eur, "unmet_eur"]], "ob-" + r.geo);
         }));
    function sums(p) {
      var s = {};
      rows(p, "pledges").forEach(function (r) { var k = r.type + " \u2014 " + r.source; s[k] = (s[k] || 0) + r.value_eur; });
      return s;
    }
    var sa = sums(a), sb = sums(b);
    var keys = Object.keys(sa).concat(Object.keys(sb)).filter(function (k, i, all) { return all.indexOf(k) === i; }).sort();
    fill($("pledges"), ["Type \u2014 source", "Baseline (EUR)", "Changed (EUR)", "Difference (EUR)"],
         keys.map(function (k) { return diffRow(k, [[sa[k] || 0, sb[k] || 0]]); }));
    var pa = byKey(rows(a, "pool"), function (r) { return r.item; });
    fill($("pool"), ["Item", "Baseline", "Changed", "Difference"], rows(b, "pool").map(function (r) {
      var base = pa[r.item] ? pa[r.item].amount : null;
      return diffRow(r.item.replace(/_/g, " ") + " (" + r.unit + ")", [[base, r.amount]], "pool-" + r.item);
    }));
    $("chart-obligations").src = withToken("/api/results/" + b.digest + "/charts/obligations.png");
    byState(a, b);
    flowsAndOffsets(a, b);
    downloads(b);
  }
  function units(p, col) {  // geo -> type -> the pledges table's column
    var m = {};
    rows(p, "pledges").forEach(function (r) { (m[r.geo] = m[r.geo] || {})[r.type] = r[col]; });
    return m;
  }
  function byState(a, b) {
    // each state's pledges by type and what the beneficiaries call on, the baseline beside the changed run
    var pa = units(a, "units"), pb = units(b, "units"), ca = units(a, "called_units"), cb = units(b, "called_units");
    var oa = byKey(rows(a, "obligations"), function (r) { return r.geo; });
    var ob = byKey(rows(b, "obligations"), function (r) { return r.geo; });
    var names = byKey(rows(b, "shares"), function (r) { return r.geo; });
    var types = [["relocation", "relocations"], ["financial", "money (EUR)"], ["alternative", "alternative (EUR)"]];
    var cols = ["State"];
    types.forEach(function (t) { cols.push("Baseline " + t[1], "Changed " + t[1], "Difference"); });
    cols.push("Source (changed)");
    fill($("state-pledges"), cols, Object.keys(pb).sort().map(function (geo) {
      var tr = diffRow(names[geo].country + " (" + geo + ")", types.map(function (t) {
        return [(pa[geo] || {})[t[0]], pb[geo][t[0]], t[0]];
      }), "pl-" + geo);
      var src = (ob[geo] || {}).source, was = (oa[geo] || {}).source;
      tr.appendChild(el("td", src + (was !== src ? " (was " + was + ")" : "")));
      return tr;
    }));
    var ccols = ["State"];
    types.slice(0, 2).forEach(function (t) { ccols.push("Baseline called " + t[1], "Changed called " + t[1], "Difference"); });
    fill($("calls"), ccols, Object.keys(cb).sort().map(function (geo) {
      return diffRow(names[geo].country + " (" + geo + ")", types.slice(0, 2).map(function (t) {
        return [(ca[geo] || {})[t[0]], cb[geo][t[0]], t[0]];
      }), "call-" + geo);
    }));
  }
  function flowsAndOffsets(a, b) {
    function received(p) {
      var m = {};
      rows(p, "flows").forEach(function (r) {
        var k = r.beneficiary + " \u2014 " + r.type + " (" + r.unit + ")"; m[k] = (m[k] || 0) + r.units;
      });
      return m;
    }
    var fa = received(a), fb = received(b);
    var keys = Object.keys(fa).concat(Object.keys(fb)).filter(function (k, i, all) { return all.indexOf(k) === i; }).sort();
    fill($("flows"), ["Beneficiary \u2014 type", "Baseline", "Changed", "Difference"],
         keys.map(function (k) { return diffRow(k, [[fa[k] || 0, fb[k] || 0]]); }));
    var offa = byKey(rows(a, "offsets"), function (r) { return r.geo; });
    var names = byKey(rows(b, "shares"), function (r) { return r.geo; });
    fill($("offsets"), ["State", "Baseline offset (relocations)", "Changed offset", "Difference", "Binding (changed)"],
         rows(b, "offsets").filter(function (r) { return r.offset || (offa[r.geo] || {}).offset; }).map(function (r) {
           var tr = diffRow(names[r.geo].country + " (" + r.geo + ")", [[(offa[r.geo] || {}).offset, r.offset, "offset"]],
                            "off-" + r.geo);
           tr.appendChild(el("td", r.binding ? "yes" : "no"));
           return tr;
         }));
    if (!$("offsets").querySelector("tbody tr")) { $("offsets").querySelector("tbody").appendChild(el("tr")).appendChild(el("td", "No state offsets relocations in either run.")); }
  }
  function downloads(b) {
    var ul = $("downloads"); ul.textContent = "";
    var root = "/api/results/" + b.digest;
    function link(href, text) { var li = el("li"), a = el("a", text); a.href = withToken(href); a.download = ""; li.appendChild(a); ul.appendChild(li); }
    link(root + "/workbook.xlsx", "Workbook: every table (xlsx)");
    link(root + "/brief.html", "Brief: one page to circulate (html)");
    Object.keys(b.tables).forEach(function (t) {
      var li = el("li", t + ": ");
      ["csv", "parquet", "xlsx"].forEach(function (f, i) {
        var a = el("a", f); a.href = withToken(root + "/tables/" + t + "." + f); a.download = "";
        if (i) { li.appendChild(document.createTextNode(" \u00b7 ")); }
        li.appendChild(a);
      });
      ul.appendChild(li);
    });
  }
  function explain() {
    var geo = $("explain-state").value;
    $("explanation").textContent = "Explaining " + geo + "\u2026";
    api("/api/results/" + state.changed.digest + "/explain/" + encodeURIComponent(geo)).then(function (ex) {
      $("explanation").textContent = ex.text;
      $("explanation").focus();
    }).catch(function (e) { $("explanation").textContent = e.message; });
  }

  // --- start ------------------------------------------------------------------
  $("explain").addEventListener("click", explain);
  $("reset").addEventListener("click", function () { pickScenario(state.id, []); });
  $("scenario").addEventListener("change", function () { pickScenario($("scenario").value, []); });
  $("controls").addEventListener("submit", function (e) { e.preventDefault(); runChanged(); });
  api("/api/scenarios").then(function (list) {
    var sel = $("scenario");
    list.forEach(function (s) {
      state.scenarios[s.id] = s;
      var o = el("option", s.name + " (" + s.origin + ")"); o.value = s.id; sel.appendChild(o);
    });
    var want = params.get("scenario");
    var id = want && state.scenarios[want] ? want : (state.scenarios["2026-adopted"] ? "2026-adopted" : list[0].id);
    return pickScenario(id, params.getAll("set"));
  }).catch(function (e) { say(e.message, true); });
}());
