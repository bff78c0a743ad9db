"""What report.html carries inline besides its content: the severity colours, the stylesheet,
the Content-Security-Policy that forbids loading anything else, the filter script, and
`escape`, which every string of a page passes through.

The findings, timeline and requirements tables have fixed column widths (`table.fixed` and a
colgroup per table): long evidence wraps inside its column instead of widening the page, and
the path column keeps a readable width instead of being squeezed to a few characters.
"""

from __future__ import annotations

import html

from analyzer.text import printable

SEVERITIES = ("critical", "high", "medium", "low", "info")
COLORS = {
    "critical": "#7b1fa2",
    "high": "#c62828",
    "medium": "#ef6c00",
    "low": "#f9a825",
    "info": "#546e7a",
}

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;
overflow-wrap:break-word} li{overflow-wrap:anywhere}
th{background:#eee} code,.mono{font-family:ui-monospace,monospace}
table.fixed{table-layout:fixed} table.fixed td{overflow-wrap:anywhere}
col.narrow{width:6.5em} col.rule{width:11em} col.mid{width:7.5em} col.path{width:22%}
col.title{width:10em} col.wide{width:16em}
.status-pass{color:#2e7d32;font-weight:bold} .status-fail{color:#c62828;font-weight:bold}
.status-not-assessed{color:#546e7a;font-weight:bold} .status-manual{color:#6a1b9a;font-weight:bold}
#verdict-line{font-size:1.2em;font-weight:bold} .failing{margin:0;padding-left:1.2em}
.sev{color:#fff;border-radius:3px;padding:0 4px}
.charts{display:flex;flex-wrap:wrap;gap:1em} .charts figure{margin:0}
#controls{margin:.5em 0} #controls label{margin-right:.8em}
"""

# Filters rows by text and severity; reads "#severity=critical,high&q=text" from the URL.
SCRIPT = """
(function () {
  var box = document.getElementById("filter");
  var toggles = Array.prototype.slice.call(document.querySelectorAll("input.sev-toggle"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
  function apply() {
    var q = box.value.toLowerCase(), on = {}, shown = 0;
    toggles.forEach(function (t) { on[t.value] = t.checked; });
    rows.forEach(function (r) {
      var keep = on[r.dataset.severity] && r.textContent.toLowerCase().indexOf(q) !== -1;
      r.hidden = !keep;
      if (keep) { shown += 1; }
    });
    document.getElementById("shown-count").textContent = String(shown);
  }
  function fromFragment() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var sev = params.get("severity");
    if (sev !== null) {
      var wanted = sev.toLowerCase().split(",").map(function (s) { return s.trim(); });
      toggles.forEach(function (t) {
        // the attribute too: the box shows unticked however the page is saved or inspected
        t.checked = t.defaultChecked = wanted.indexOf(t.value) !== -1;
      });
    }
    if (params.get("q") !== null) { box.value = params.get("q"); }
    apply();
  }
  box.addEventListener("input", apply);
  toggles.forEach(function (t) { t.addEventListener("change", apply); });
  window.addEventListener("hashchange", fromFragment);
  fromFragment();
  document.body.setAttribute("data-ready", "true");
})();
"""


def escape(text: str) -> str:
    r"""Any string (archive strings included) for an HTML page: one printable line as the
    terminal shows it (an escape sequence, a carriage return, a C1 control, a bidirectional
    override, a byte that was not UTF-8 become visible escapes such as `\x1b`: the page and
    its source read as the report does), then HTML's special characters as entities.

    >>> escape('<b title="x">\x1b[31m\u202e</b>')
    '&lt;b title=&quot;x&quot;&gt;\\x1b[31m\\u202e&lt;/b&gt;'
    """
    return html.escape(printable(text))
