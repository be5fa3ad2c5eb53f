// evreg site script (a classic script: it runs from file:// too). Swaps each chart's image for
// the interactive Vega view of the same spec (the compact spec on narrow screens), offers a PNG
// of the chart made here from its spec, lets wide tables' scroll regions take keyboard focus
// only when they scroll, and makes tables with class "evreg-sortable" sortable. No request to
// another host: specs are inline or in the page's own chart data file (charts.json, fetched
// over http(s); from file:// the browser refuses, and the image stays the chart).
(function () {
  "use strict";
  var NARROW = "(max-width: 599.98px)";
  var chartData = {};

  function specFor(el) {
    var narrow = el.dataset.specCompact && window.matchMedia(NARROW).matches;
    return narrow ? el.dataset.specCompact : el.dataset.spec;
  }

  // The spec with element id `id`: inline JSON, else the entry of the page's chart data file.
  function loadSpec(el, id) {
    var source = document.getElementById(id);
    if (source) {
      return Promise.resolve(JSON.parse(source.textContent));
    }
    var src = el.dataset.specSrc;
    if (!src) {
      return Promise.reject(new Error("no spec " + id));
    }
    if (!chartData[src]) {
      chartData[src] = fetch(src).then(function (response) {
        if (!response.ok) {
          throw new Error(src + ": " + response.status);
        }
        return response.json();
      });
    }
    return chartData[src].then(function (data) {
      if (!data[id]) {
        throw new Error("no spec " + id + " in " + src);
      }
      return data[id];
    });
  }

  function drawChart(el) {
    var id = specFor(el);
    if (el.dataset.drawn === id || typeof window.vegaEmbed !== "function") {
      return;
    }
    el.dataset.drawn = id;
    var view = document.createElement("div");
    view.className = "evreg-vega";
    view.setAttribute("role", "img");
    view.setAttribute("aria-label", el.dataset.label || "Chart");
    if (el.dataset.describedby) {
      view.setAttribute("aria-describedby", el.dataset.describedby);
    }
    view.hidden = true;
    el.appendChild(view);
    loadSpec(el, id)
      .then(function (spec) {
        return window.vegaEmbed(view, spec, { renderer: "svg", actions: false });
      })
      .then(function () {
        var svg = view.querySelector("svg");
        if (svg) {
          svg.setAttribute("aria-hidden", "true");
          svg.setAttribute("focusable", "false");
        }
        for (var child of Array.from(el.children)) {
          if (child !== view) {
            el.removeChild(child);
          }
        }
        view.hidden = false;
        view.classList.add("evreg-rendered");
        offerPng(el);
      })
      .catch(function (err) {
        // the image of the same chart stays in place
        el.removeChild(view);
        el.dataset.drawn = "";
        el.dataset.failed = String(err && err.message);
      });
  }

  // The PNG of the chart's wide layout (also when a phone shows the compact one), drawn by
  // Vega on a canvas here (no server, no network) from a view that is never shown, `scale`
  // times the SVG's size, as a data: URL.
  function pngUrl(el, scale) {
    return loadSpec(el, el.dataset.spec)
      .then(function (spec) {
        var offscreen = document.createElement("div");
        return window.vegaEmbed(offscreen, spec, { renderer: "svg", actions: false });
      })
      .then(function (embedded) {
        return embedded.view.toImageURL("png", scale).finally(function () {
          embedded.finalize();
        });
      });
  }

  function offerPng(el) {
    var figure = el.closest("figure");
    var button = figure && figure.querySelector("button.evreg-png");
    if (!button || button.dataset.ready) {
      return;
    }
    button.dataset.ready = "1";
    button.addEventListener("click", function () {
      button.disabled = true;
      pngUrl(el, parseFloat(button.dataset.pngScale) || 1)
        .then(function (url) {
          var link = document.createElement("a");
          link.href = url;
          link.download = button.dataset.filename || "chart.png";
          document.body.appendChild(link);
          link.click();
          link.remove();
        })
        .catch(function (err) {
          button.dataset.failed = String(err && err.message);
        })
        .finally(function () {
          button.disabled = false;
        });
    });
    button.closest(".evreg-png-offer").hidden = false;
  }

  function drawCharts() {
    document.querySelectorAll(".evreg-chart[data-spec]").forEach(drawChart);
  }

  function markScrollRegions() {
    var regions = document.querySelectorAll(".evreg-scroll, .md-typeset__scrollwrap");
    regions.forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      if (region.dataset.regionLabel === undefined) {
        region.dataset.regionLabel = region.getAttribute("aria-label") || "Table";
      }
      if (scrolls) {
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        region.setAttribute("aria-label", region.dataset.regionLabel + " (scrolls sideways)");
      } else {
        // a region that does not scroll is no landmark and no tab stop
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
      }
      region.classList.toggle("evreg-scrolls", scrolls);
    });
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) {
      return "";
    }
    return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  }

  function compareValues(a, b) {
    var na = parseFloat(a);
    var nb = parseFloat(b);
    var aNum = a !== "" && !Number.isNaN(na) && /^[-+]?[0-9.]/.test(a);
    var bNum = b !== "" && !Number.isNaN(nb) && /^[-+]?[0-9.]/.test(b);
    if (aNum && bNum) {
      return na - nb;
    }
    if (aNum !== bNum) {
      return aNum ? -1 : 1;
    }
    return a.localeCompare(b);
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.from(headers).forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "evreg-sort";
      button.textContent = th.textContent;
      button.title = "Sort by this column";
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        for (var other of headers) {
          other.removeAttribute("aria-sort");
        }
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.from(body.rows);
        rows.sort(function (r1, r2) {
          var c = compareValues(cellValue(r1, index), cellValue(r2, index));
          return ascending ? c : -c;
        });
        for (var row of rows) {
          body.appendChild(row);
        }
      });
    });
  }

  function init() {
    drawCharts();
    document.querySelectorAll("table.evreg-sortable").forEach(function (table) {
      if (!table.dataset.sortable) {
        table.dataset.sortable = "1";
        makeSortable(table);
      }
    });
    markScrollRegions();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  // Material wraps Markdown tables in its own scroll wrapper after the page loads
  var pending = false;
  new MutationObserver(function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        markScrollRegions();
      });
    }
  }).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("load", markScrollRegions);
  window.addEventListener("resize", markScrollRegions);
  window.matchMedia(NARROW).addEventListener("change", drawCharts);
})();
