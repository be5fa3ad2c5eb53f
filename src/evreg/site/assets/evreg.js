// evreg site script: draws the inline Vega-Lite specs with the vendored Vega bundle and makes
// tables with class "evreg-sortable" sortable. No network access: specs and data are inline.
function renderCharts() {
  if (typeof window.vegaEmbed !== "function") {
    return;
  }
  for (const el of document.querySelectorAll(".evreg-vega[data-spec]")) {
    if (el.dataset.rendered) {
      continue;
    }
    el.dataset.rendered = "pending";
    const source = document.getElementById(el.dataset.spec);
    const spec = JSON.parse(source.textContent);
    window
      .vegaEmbed(el, spec, { renderer: "svg", actions: false })
      .then(() => {
        el.dataset.rendered = "done";
        el.classList.add("evreg-rendered");
      })
      .catch((err) => {
        el.dataset.rendered = "failed";
        el.textContent = "This chart could not be drawn (" + err.message + "); the SVG download and the text alternative below show the same content.";
      });
  }
}

function cellValue(row, index) {
  const cell = row.cells[index];
  if (!cell) {
    return "";
  }
  return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
}

function compareValues(a, b) {
  const na = parseFloat(a);
  const nb = parseFloat(b);
  const aNum = a !== "" && !Number.isNaN(na) && /^[-+]?[0-9.]/.test(a);
  const bNum = b !== "" && !Number.isNaN(nb) && /^[-+]?[0-9.]/.test(b);
  if (aNum && bNum) {
    return na - nb;
  }
  if (aNum !== bNum) {
    return aNum ? -1 : 1;
  }
  return a.localeCompare(b);
}

function makeSortable(table) {
  const headers = table.tHead ? table.tHead.rows[0].cells : [];
  Array.from(headers).forEach((th, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "evreg-sort";
    button.textContent = th.textContent;
    button.title = "Sort by this column";
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const other of headers) {
        other.removeAttribute("aria-sort");
      }
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((r1, r2) => {
        const c = compareValues(cellValue(r1, index), cellValue(r2, index));
        return ascending ? c : -c;
      });
      for (const row of rows) {
        body.appendChild(row);
      }
    });
  });
}

function init() {
  renderCharts();
  for (const table of document.querySelectorAll("table.evreg-sortable")) {
    if (!table.dataset.sortable) {
      table.dataset.sortable = "1";
      makeSortable(table);
    }
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
