# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit as one self-contained HTML page: totals, a chart of verdicts per repository, and a
table of images to sort and filter. No external assets (it opens from disk, offline).

Everything shown comes from registries, which may be hostile: the chart is written with every
text escaped, and the table is built in the browser from JSON with ``textContent`` only (the
JSON is embedded with ``<``, ``>`` and ``&`` escaped, so no tag name can end the script).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from html import escape

from ansible_collections.signed.registry.plugins.module_utils._audit import VERDICTS

COLOURS = {"verified": "#1a7f37", "invalid": "#b42318", "signed_untrusted": "#b54708", "unsigned": "#667085"}
LABELS = {"verified": "verified", "invalid": "invalid", "signed_untrusted": "signed, untrusted", "unsigned": "unsigned"}
BAR_WIDTH = 520
ROW_HEIGHT = 26


def embedded_json(value):
    """JSON that can sit inside a <script> element whatever its strings hold."""
    return json.dumps(value, sort_keys=True).replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def chart(repositories):
    """An SVG of stacked bars, one per repository, each verdict in its colour."""
    names = sorted(repositories)
    label_width = 320
    height = ROW_HEIGHT * len(names) + 30
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="verdicts per repository" '
             'width="%d" height="%d" id="chart">' % (label_width + BAR_WIDTH + 60, height)]
    widest = max([repositories[n]["images"] for n in names] or [1]) or 1
    for row, name in enumerate(names):
        counts = repositories[name]
        y = row * ROW_HEIGHT + 4
        shown = name if len(name) <= 44 else "..." + name[-41:]
        parts.append('<text x="%d" y="%d" text-anchor="end" class="repo"><title>%s</title>%s</text>'
                     % (label_width - 8, y + 15, escape(name), escape(shown)))
        x = label_width
        for verdict in VERDICTS:
            if not counts[verdict]:
                continue
            width = max(2, int(round(BAR_WIDTH * counts[verdict] / float(widest))))
            parts.append('<rect x="%d" y="%d" width="%d" height="18" fill="%s" data-verdict="%s">'
                         '<title>%s: %d %s</title></rect>'
                         % (x, y, width, COLOURS[verdict], verdict, escape(name), counts[verdict], LABELS[verdict]))
            x += width
        parts.append('<text x="%d" y="%d" class="count">%d</text>' % (x + 6, y + 14, counts["images"]))
    legend_y = ROW_HEIGHT * len(names) + 20
    x = label_width
    for verdict in VERDICTS:
        parts.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" class="legend">%s</text>'
                     % (x, legend_y - 9, COLOURS[verdict], x + 14, legend_y, LABELS[verdict]))
        x += 150
    parts.append("</svg>")
    return "".join(parts)


def totals_cards(totals):
    cards = ['<div class="card"><span class="n" id="total-images">%d</span><span>images in %d repositories</span></div>'
             % (totals["images"], totals["repositories"])]
    for verdict in VERDICTS:
        cards.append('<div class="card" style="border-color:%s"><span class="n" id="total-%s">%d</span><span>%s</span></div>'
                     % (COLOURS[verdict], verdict, totals[verdict], LABELS[verdict]))
    cards.append('<div class="card"><span class="n" id="total-sbom">%d</span><span>with an SBOM</span></div>' % totals["sbom"])
    return "".join(cards)


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#101828;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}.meta{color:#475467;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d0d5dd;border-left-width:6px;border-radius:6px;
padding:8px 14px;min-width:120px;display:flex;flex-direction:column}.card .n{font-size:24px;font-weight:600}
svg text{font-size:12px;fill:#344054}.controls{display:flex;gap:12px;align-items:center;margin:8px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eaecf0;
vertical-align:top}th{cursor:pointer;background:#f9fafb;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
.badge{display:inline-block;color:#fff;border-radius:10px;padding:1px 8px;font-size:12px;white-space:nowrap}
code{font-size:12px}td{white-space:nowrap}td.repository,td.reason{white-space:normal;overflow-wrap:anywhere}
td.reason{color:#475467;max-width:520px}
"""

SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("audit-data").textContent);
  var colours = %(colours)s, labels = %(labels)s;
  var columns = ["repository", "tag", "digest", "verdict", "signer", "sbom", "reason"];
  var rows = data.images.map(function (image) {
    return {repository: image.repository, tag: image.tag, digest: image.digest || "",
            verdict: image.verdict, signer: image.signers.join(", "),
            sbom: image.sbom_verified ? "verified" : (image.sbom ? "yes" : "no"),
            reason: image.reasons.join("; ")};
  });
  var sortKey = "repository", ascending = true;
  var body = document.querySelector("#images tbody");
  var filter = document.getElementById("verdict-filter"), search = document.getElementById("search");
  function cell(row, key) {
    var td = document.createElement("td");
    td.className = key;
    if (key === "verdict") {
      var badge = document.createElement("span");
      badge.className = "badge"; badge.style.background = colours[row.verdict];
      badge.textContent = labels[row.verdict]; td.appendChild(badge);
    } else if (key === "digest") {
      var code = document.createElement("code");
      code.textContent = row.digest.slice(0, 19); code.title = row.digest; td.appendChild(code);
    } else if (key === "signer") {
      // Key ids are long: shown short, whole on hover.
      td.textContent = row.signer.replace(/sha256:([0-9a-f]{12})[0-9a-f]+/g, "sha256:$1\u2026");
      td.title = row.signer;
    } else {
      td.textContent = row[key];
    }
    return td;
  }
  function render() {
    var wanted = filter.value, text = search.value.toLowerCase();
    var shown = rows.filter(function (row) {
      return (!wanted || row.verdict === wanted) &&
        (!text || (row.repository + " " + row.tag + " " + row.digest + " " + row.signer + " " + row.reason).toLowerCase().indexOf(text) >= 0);
    });
    shown.sort(function (a, b) {
      var x = a[sortKey] + "\\u0000" + a.repository + a.tag, y = b[sortKey] + "\\u0000" + b.repository + b.tag;
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    while (body.firstChild) body.removeChild(body.firstChild);
    shown.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-verdict", row.verdict);
      columns.forEach(function (key) { tr.appendChild(cell(row, key)); });
      body.appendChild(tr);
    });
    document.getElementById("shown").textContent = shown.length + " of " + rows.length + " images";
    document.querySelectorAll("#images th").forEach(function (th) {
      th.setAttribute("aria-sort", th.getAttribute("data-key") === sortKey ? (ascending ? "ascending" : "descending") : "none");
    });
  }
  document.querySelectorAll("#images th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      ascending = key === sortKey ? !ascending : true; sortKey = key; render();
    });
  });
  filter.addEventListener("change", render);
  search.addEventListener("input", render);
  var requested = (location.hash.match(/verdict=([a-z_]+)/) || [])[1];
  if (requested) filter.value = requested;
  render();
})();
"""


def render_html(report):
    """The page for ``report`` (what registry_audit returns: images, summary, source, trust). It
    holds no time stamp: the same registry gives the same page (the file's time says when)."""
    summary = report["summary"]
    options = "".join('<option value="%s">%s</option>' % (v, LABELS[v]) for v in VERDICTS)
    headers = "".join('<th data-key="%s" aria-sort="none">%s</th>' % (key, title) for key, title in (
        ("repository", "Repository"), ("tag", "Tag"), ("digest", "Digest"), ("verdict", "Verdict"),
        ("signer", "Signed by"), ("sbom", "SBOM"), ("reason", "Why")))
    predicate_types = ", ".join(escape(p) for p in summary["predicate_types"]) or "none"
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>Registry audit - %s</title><style>%s</style></head><body>" % (escape(report["source"]), STYLE),
        "<h1>Registry audit</h1><p class=\"meta\">%s &middot; trusted: %s</p>"
        % (escape(report["source"]), escape(report["trust"])),
        "<div class=\"cards\" id=\"totals\">%s</div>" % totals_cards(summary["totals"]),
        "<h2>Verdicts per repository</h2>", chart(summary["repositories"]),
        "<p class=\"meta\">Attestation predicate types: %s</p>" % predicate_types,
        "<h2>Images</h2><div class=\"controls\"><label>Verdict <select id=\"verdict-filter\">"
        "<option value=\"\">all</option>%s</select></label>" % options,
        "<label>Search <input id=\"search\" type=\"search\"></label><span id=\"shown\"></span></div>",
        "<table id=\"images\"><thead><tr>%s</tr></thead><tbody></tbody></table>" % headers,
        "<script type=\"application/json\" id=\"audit-data\">%s</script>" % embedded_json(
            {"images": report["images"], "summary": summary}),
        "<script>%s</script></body></html>\n" % (SCRIPT % {"colours": json.dumps(COLOURS), "labels": json.dumps(LABELS)}),
    ])
