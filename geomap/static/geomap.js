/*
 * geomap map controls: layers from JSON, legend, grouped layer control, search, measure,
 * full screen, cursor coordinates, year filter, uncertainty circles and popups.
 *
 * Data never executes: every value from a layer reaches the page through textContent or
 * setAttribute on elements built here, links are made only for http(s) URLs, and Leaflet
 * overlays (popups, tooltips, icons) are given DOM nodes, never HTML strings.
 *
 * Read-only summary for tests and benchmarks:
 *   geomap.ready        true once every feature has been drawn
 *   geomap.readyTime    performance.now() at that moment (ms since navigation start)
 *   geomap.counts()     {layer name: features currently drawn}
 *   geomap.totals()     {layer name: features in the data}
 *   geomap.year()       the year the filter shows, or null when it is off
 *   geomap.circleMode() which uncertainty circles are drawn: "limit" (up to data.circle_max_m,
 *                       larger ones while their feature is hovered, focused or in a popup),
 *                       "all" or "none"
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var geomap = window.geomap = window.geomap || {};
  geomap.ready = false;

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    return node;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  /** Return the URL if it is http(s), else null: no javascript:, data: or relative links. */
  function safeUrl(value) {
    if (typeof value !== "string") { return null; }
    try {
      var url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function isBlank(value) {
    return value === null || value === undefined || value === "" ||
      (Array.isArray(value) && value.length === 0);
  }

  function display(value) {
    if (Array.isArray(value)) { return value.map(display).join(", "); }
    if (value !== null && typeof value === "object") { return JSON.stringify(value); }
    if (typeof value === "boolean") { return value ? "yes" : "no"; }
    return String(value);
  }

  function formatUsd(value) {
    if (typeof value !== "number" || !isFinite(value)) { return display(value); }
    if (value >= 1e9) { return "US$ " + (value / 1e9).toFixed(value % 1e9 ? 2 : 0) + " billion"; }
    if (value >= 1e6) { return "US$ " + (value / 1e6).toFixed(value % 1e6 ? 1 : 0) + " million"; }
    return "US$ " + value.toLocaleString("en-US");
  }

  function formatDistance(metres) {
    return metres >= 1000 ? (metres / 1000).toFixed(metres >= 100000 ? 0 : 1) + " km"
      : Math.round(metres) + " m";
  }

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // ---------------------------------------------------------------- symbols

  var SHAPES = {
    circle: function (s) { return svg("circle", {cx: s / 2, cy: s / 2, r: s / 2 - 1.5}); },
    square: function (s) { return svg("rect", {x: 2, y: 2, width: s - 4, height: s - 4}); },
    triangle: function (s) {
      return svg("polygon", {points: [s / 2, 1.5, s - 1.5, s - 2, 1.5, s - 2].join(" ")});
    },
    diamond: function (s) {
      return svg("polygon", {points: [s / 2, 1, s - 1, s / 2, s / 2, s - 1, 1, s / 2].join(" ")});
    },
    star: function (s) {
      var pts = [], c = s / 2;
      for (var i = 0; i < 10; i++) {
        var r = i % 2 ? c * 0.45 : c - 1, a = Math.PI / 5 * i - Math.PI / 2;
        pts.push((c + r * Math.cos(a)).toFixed(2), (c + r * Math.sin(a)).toFixed(2));
      }
      return svg("polygon", {points: pts.join(" ")});
    },
    hexagon: function (s) {
      var pts = [], c = s / 2;
      for (var i = 0; i < 6; i++) {
        var a = Math.PI / 3 * i;
        pts.push((c + (c - 1.5) * Math.cos(a)).toFixed(2), (c + (c - 1.5) * Math.sin(a)).toFixed(2));
      }
      return svg("polygon", {points: pts.join(" ")});
    },
    cross: function (s) {
      var a = s * 0.36, b = s * 0.64;
      return svg("polygon", {points: [a, 1, b, 1, b, a, s - 1, a, s - 1, b, b, b, b, s - 1,
        a, s - 1, a, b, 1, b, 1, a, a, a].join(" ")});
    }
  };

  function shapeName(symbol) {
    var name = String(symbol || "circle").toLowerCase();
    if (SHAPES[name]) { return name; }
    if (name.indexOf("tri") >= 0) { return "triangle"; }
    if (name.indexOf("squ") >= 0 || name.indexOf("rect") >= 0) { return "square"; }
    if (name.indexOf("diam") >= 0 || name.indexOf("rhomb") >= 0) { return "diamond"; }
    if (name.indexOf("star") >= 0) { return "star"; }
    if (name.indexOf("cross") >= 0 || name.indexOf("plus") >= 0) { return "cross"; }
    if (name.indexOf("hex") >= 0) { return "hexagon"; }
    return "circle";
  }

  /** An inline SVG of a point symbol, used for markers and legend swatches. */
  function symbolSvg(style, size, hollow, symbol) {
    var root = svg("svg", {width: size, height: size, viewBox: "0 0 " + size + " " + size,
      "aria-hidden": "true"});
    var shape = SHAPES[shapeName(symbol || style.symbol)](size);
    shape.setAttribute("fill", hollow ? "#ffffff" : style.fillColor);
    shape.setAttribute("fill-opacity", hollow ? 0.9 : 1);
    shape.setAttribute("stroke", style.color === style.fillColor ? "#222222" : style.color);
    shape.setAttribute("stroke-width", 1.5);
    if (hollow) { shape.setAttribute("stroke", style.fillColor); shape.setAttribute("stroke-width", 2.5); }
    root.appendChild(shape);
    return root;
  }

  /** The symbol of a point whose site is unknown: its shape hollow and dashed, with a "?". */
  function unknownSvg(style, size, symbol) {
    var name = shapeName(symbol || style.symbol);
    var root = svg("svg", {width: size, height: size, viewBox: "0 0 " + size + " " + size,
      "aria-hidden": "true"});
    var shape = SHAPES[name](size), ink = style.color === style.fillColor ? "#222222" : style.color;
    shape.setAttribute("fill", "#ffffff");
    shape.setAttribute("fill-opacity", 0.95);
    shape.setAttribute("stroke", style.fillColor);
    shape.setAttribute("stroke-width", 2.5);
    shape.setAttribute("stroke-dasharray", "3 2");
    root.appendChild(shape);
    // a white halo keeps the "?" legible where it overlaps the outline (stars, triangles)
    var mark = svg("text", {x: size / 2, y: name === "triangle" ? size * 0.62 : size / 2,
      "text-anchor": "middle", "dominant-baseline": "central", fill: ink, stroke: "#ffffff",
      "stroke-width": 2.5, "paint-order": "stroke",
      "font-size": Math.round(size * (name === "triangle" || name === "star" ? 0.55 : 0.62)),
      "font-weight": "bold", "font-family": "DejaVu Sans, Arial, sans-serif"});
    mark.textContent = "?";
    root.appendChild(mark);
    return root;
  }

  /** "50 km" rather than formatDistance's "50.0 km", for round limits. */
  function roundKm(metres) {
    return metres >= 1000 && metres % 1000 === 0 ? (metres / 1000) + " km" : formatDistance(metres);
  }

  /** A legend swatch for a layer's geometry type. */
  function swatch(entry, variant) {
    var style = entry.style, kind = entry.kind;
    if (kind === "point" && !entry.canvas && variant !== "approx") {
      return symbolSvg(style, 18, false);
    }
    var root = svg("svg", {width: 22, height: 18, viewBox: "0 0 22 18", "aria-hidden": "true"});
    if (kind === "point") {
      root.appendChild(svg("circle", {cx: 11, cy: 9, r: variant === "approx" ? 7.5 : 5,
        fill: style.fillColor, "fill-opacity": variant === "approx" ? 0.12 : 0.9,
        stroke: style.color, "stroke-width": 1.5,
        "stroke-dasharray": variant === "approx" ? "3 2" : "none"}));
    } else if (kind === "line") {
      root.appendChild(svg("path", {d: "M1 13 C 7 3, 14 17, 21 5", fill: "none",
        stroke: style.color, "stroke-width": Math.min(style.weight, 5),
        "stroke-dasharray": variant === "approx" ? "4 3" : (style.dashArray || "none")}));
    } else {
      root.appendChild(svg("rect", {x: 2, y: 2, width: 18, height: 14, fill: style.fillColor,
        "fill-opacity": Math.max(style.fillOpacity, 0.25), stroke: style.color,
        "stroke-width": 1.5,
        "stroke-dasharray": variant === "approx" ? "4 3" : (style.dashArray || "none")}));
    }
    return root;
  }

  function icon(path) {
    var root = svg("svg", {width: 18, height: 18, viewBox: "0 0 18 18", "aria-hidden": "true"});
    root.appendChild(svg("path", {d: path, fill: "none", stroke: "#222222", "stroke-width": 2,
      "stroke-linecap": "round"}));
    return root;
  }

  /** A map-control button showing an icon, with a tooltip and a label for screen readers. */
  function iconButton(path, title, label) {
    var button = el("button", "geomap-button");
    button.appendChild(icon(path));
    button.type = "button";
    button.title = title;
    button.setAttribute("aria-label", label);
    return button;
  }

  // ---------------------------------------------------------------- popups

  function row(table, label, value) {
    if (isBlank(value)) { return; }
    var tr = el("tr");
    tr.appendChild(el("th", null, label));
    var td = el("td");
    if (value instanceof Node) { td.appendChild(value); } else { td.textContent = display(value); }
    tr.appendChild(td);
    table.appendChild(tr);
  }

  var SHOWN = ["id", "name", "alt_names", "name_tg", "name_ru", "category", "country", "operator",
    "owner", "financier", "contractor", "status", "start_date", "end_date", "date_estimated",
    "cost_usd", "description", "precision", "coordinate_uncertainty_m", "sources"];

  function dates(p) {
    if (isBlank(p.start_date) && isBlank(p.end_date)) { return null; }
    var text = (isBlank(p.start_date) ? "?" : display(p.start_date)) +
      (isBlank(p.end_date) ? (isBlank(p.start_date) ? "" : " onwards") : " – " + display(p.end_date));
    if (p.date_estimated === true) { text += " (estimated)"; }
    return text;
  }

  function precisionText(data, p) {
    if (isBlank(p.precision)) { return null; }
    var meaning = data.precision_codes[String(p.precision)];
    var text = "code " + display(p.precision) + (meaning ? " – " + meaning : "");
    if (typeof p.coordinate_uncertainty_m === "number" && p.coordinate_uncertainty_m > 0) {
      text += "; within about " + formatDistance(p.coordinate_uncertainty_m);
    }
    return text;
  }

  function sourcesList(sources) {
    if (!Array.isArray(sources) || !sources.length) { return null; }
    var list = el("ol", "geomap-sources");
    sources.forEach(function (source) {
      var li = el("li");
      if (source === null || typeof source !== "object") {
        li.textContent = display(source);
      } else {
        li.appendChild(el("span", "geomap-citation", isBlank(source.citation) ? "(no citation)"
          : display(source.citation)));
        if (!isBlank(source.locator)) { li.appendChild(el("span", "geomap-locator", ", " + display(source.locator))); }
        if (!isBlank(source.quote)) { li.appendChild(el("q", "geomap-quote", display(source.quote))); }
        var href = safeUrl(source.url);
        if (href) {
          li.appendChild(document.createTextNode(" "));
          var a = el("a", null, "link");
          a.setAttribute("href", href);
          a.setAttribute("target", "_blank");
          a.setAttribute("rel", "noopener noreferrer nofollow");
          a.setAttribute("title", href);
          li.appendChild(a);
        } else if (!isBlank(source.url)) {
          li.appendChild(el("span", "geomap-locator", " " + display(source.url)));
        }
      }
      list.appendChild(li);
    });
    return list;
  }

  function buildPopup(data, item) {
    var p = item.p, entry = item.entry;
    var box = el("div", "geomap-popup");
    box.appendChild(el("div", "geomap-popup-layer", entry.title));
    box.appendChild(el("h3", null, isBlank(p.name) ? "(unnamed)" : display(p.name)));
    var other = [];
    if (!isBlank(p.name_tg)) { other.push("Tajik: " + display(p.name_tg)); }
    if (!isBlank(p.name_ru)) { other.push("Russian: " + display(p.name_ru)); }
    if (other.length) { box.appendChild(el("div", "geomap-popup-names", other.join(" · "))); }
    var table = el("table");
    row(table, "Also called", p.alt_names);
    var category = data.categories[p.category];
    row(table, "Category", isBlank(p.category) ? null : (category || display(p.category)));
    row(table, "Status", isBlank(p.status) ? null : display(p.status).replace(/_/g, " "));
    row(table, "Country", p.country);
    row(table, "Operator", p.operator);
    row(table, "Owner", p.owner);
    row(table, "Financier", p.financier);
    row(table, "Contractor", p.contractor);
    row(table, "Dates", dates(p));
    row(table, "Cost", isBlank(p.cost_usd) ? null : formatUsd(p.cost_usd));
    row(table, "Location", precisionText(data, p));
    Object.keys(p).forEach(function (key) {
      if (SHOWN.indexOf(key) < 0 && !isBlank(p[key])) { row(table, key.replace(/_/g, " "), p[key]); }
    });
    box.appendChild(table);
    if (!isBlank(p.description)) { box.appendChild(el("p", "geomap-popup-text", display(p.description))); }
    var sources = sourcesList(p.sources);
    if (sources) {
      box.appendChild(el("div", "geomap-popup-heading", "Sources"));
      box.appendChild(sources);
    }
    return box;
  }

  // ---------------------------------------------------------------- drawing

  function toLatLngs(geometry) {
    var c = geometry.coordinates;
    switch (geometry.type) {
      case "Point": return [[c[1], c[0]]];
      case "MultiPoint": return L.GeoJSON.coordsToLatLngs(c, 0);
      case "LineString": return L.GeoJSON.coordsToLatLngs(c, 0);
      case "MultiLineString": return L.GeoJSON.coordsToLatLngs(c, 1);
      case "Polygon": return L.GeoJSON.coordsToLatLngs(c, 1);
      case "MultiPolygon": return L.GeoJSON.coordsToLatLngs(c, 2);
      default: return null;
    }
  }

  function kindOf(type) {
    if (/Point/.test(type)) { return "point"; }
    if (/LineString/.test(type)) { return "line"; }
    return "polygon";
  }

  /**
   * Tell a feature that one of its markers is (or is no longer) hovered, focused or in an open
   * popup: by default its circles wider than data.circle_max_m are drawn only then.
   */
  function reveal(item, how, on) {
    if (!item || !item.reveal) { return; }
    item.reveal(how, on);
  }

  /** A feature's leaves: {leaves: what is always drawn, circles: uncertainty circles}. */
  function makeLeaves(map, data, entry, feature, index) {
    var geometry = feature[0], p = feature[1], latlngs = toLatLngs(geometry);
    if (!latlngs) { return {leaves: [], circles: []}; }
    var style = entry.style, kind = kindOf(geometry.type), leaves = [], circles = [];
    var approx = feature[4] === 1 && entry.theme !== "context", radius = feature[5];
    var unknown = approx && radius > data.circle_max_m;  // "site unknown": circle on demand
    var symbol = (style.categorySymbols || {})[p.category] || style.symbol;
    var cls = "geomap-l" + index;
    if (kind === "point") {
      latlngs.forEach(function (ll) {
        if (approx && radius > 0) {
          var circle = L.circle(ll, {radius: radius, color: style.color,
            weight: unknown ? 2 : 1.5, dashArray: "6 5", fill: !unknown,
            fillColor: style.fillColor, fillOpacity: 0.07,
            className: cls + " geomap-uncertainty" + (unknown ? " geomap-uncertainty-large" : ""),
            renderer: entry.renderer, interactive: false});
          circle._geomapLarge = unknown;
          circles.push(circle);
        }
        if (entry.canvas) {
          leaves.push(L.circleMarker(ll, {radius: style.radius / 2, color: style.color,
            weight: 1, fillColor: style.fillColor, fillOpacity: 0.85, renderer: entry.renderer}));
        } else {
          var size = unknown ? style.radius + 6 : style.radius;
          var node = el("div", "geomap-symbol " + cls + (approx ? " geomap-approx" : "") +
            (unknown ? " geomap-unknown" : ""));
          node.appendChild(unknown ? unknownSvg(style, size, symbol)
            : symbolSvg(style, size, approx, symbol));
          var marker = L.marker(ll, {icon: L.divIcon({html: node, className: "geomap-icon",
            iconSize: [size, size]}), keyboard: entry.theme !== "context", riseOnHover: true,
            alt: ""});  // basemap towns stay out of the Tab order: Tab walks the curated sites
          var spoken = (isBlank(p.name) ? "(unnamed)" : display(p.name)) + (unknown
            ? ": site unknown, within about " + formatDistance(radius) : approx && radius > 0
              ? ": approximate site, within about " + formatDistance(radius) : "");
          marker.on("add", function () {
            var icon = marker.getElement();
            if (!icon || icon._geomapWired) { return; }
            icon._geomapWired = true;
            icon.setAttribute("aria-label", spoken);
            if (unknown) {
              icon.addEventListener("focus", function () {
                reveal(marker._geomapItem, "focus", true);
              });
              icon.addEventListener("blur", function () {
                reveal(marker._geomapItem, "focus", false);
              });
            }
          });
          marker.on("remove", function () {
            reveal(marker._geomapItem, "focus", false);
            reveal(marker._geomapItem, "hover", false);
          });
          leaves.push(marker);
          if (style.label && !isBlank(p.name)) {
            marker.bindTooltip(el("span", null, display(p.name)), {permanent: true,
              direction: "right", offset: [style.radius / 2, 0], className: "geomap-label",
              interactive: false, pane: "geomapLabels"});
            // a label hidden by declutter() shows while its marker is hovered or focused, lifted
            // from under the symbols to the tooltips' pane (same origin, so it does not move)
            var peek = function (on) {
              var tip = marker.getTooltip(), node = tip && tip.getElement();
              if (!node || !marker._map) { return; }
              node.classList.toggle("geomap-label-peek", on);
              marker._map.getPane(on ? "tooltipPane" : "geomapLabels").appendChild(node);
            };
            marker.on("mouseover", function () { peek(true); });
            marker.on("mouseout", function () { peek(false); });
            marker.on("add", function () {
              var icon = marker.getElement();
              if (!icon || icon._geomapPeek) { return; }
              icon._geomapPeek = true;
              icon.addEventListener("focus", function () { peek(true); });
              icon.addEventListener("blur", function () { peek(false); });
            });
          }
        }
      });
    } else {
      var highlight = entry.theme === "context" && p.iso_a2 === data.home;
      var options = {
        color: style.color, weight: highlight ? style.weight + 1 : style.weight,
        opacity: style.opacity, dashArray: approx ? "8 6" : style.dashArray,
        fill: kind === "polygon", fillColor: highlight ? "#fffdf4" : style.fillColor,
        fillOpacity: highlight ? 0.95 : style.fillOpacity, className: cls,
        renderer: entry.renderer, interactive: entry.theme !== "context" || kind !== "polygon"
      };
      leaves.push(kind === "line" ? L.polyline(latlngs, options) : L.polygon(latlngs, options));
    }
    return {leaves: leaves, circles: circles};
  }

  // ---------------------------------------------------------------- big point layers

  /**
   * Many points on one canvas, drawn as a single path per pass: far cheaper than one Leaflet
   * object per point. Points are projected once (zoom 0) and scaled at each redraw; hits are
   * found by a scan of the projected points.
   */
  /** A CSS colour as one opaque pixel value of a little-endian RGBA buffer. */
  function rgba(colour) {
    var probe = document.createElement("canvas");
    probe.width = probe.height = 1;
    var ctx = probe.getContext("2d");
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 1, 1);
    var d = ctx.getImageData(0, 0, 1, 1).data;
    return ((255 << 24) | (d[2] << 16) | (d[1] << 8) | d[0]) >>> 0;
  }

  var PointCanvas = L.Layer.extend({
    options: {pane: "geomapPoints", padding: 0.25},

    initialize: function (entry) {
      this._entry = entry;
    },

    onAdd: function (map) {
      if (!map.getPane("geomapPoints")) {  // above the vector overlays, below markers
        var pane = map.createPane("geomapPoints");
        pane.style.zIndex = 450;
        pane.style.pointerEvents = "none";
      }
      if (!this._canvas) {
        this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-animated geomap-points");
        this._canvas.setAttribute("data-layer", String(this._entry.index));
      }
      this.getPane().appendChild(this._canvas);
      this._entry.items.forEach(function (item) {
        if (!item.base) {
          item.base = item.latlngs.map(function (ll) { return map.project(ll, 0); });
        }
      });
      this._reset();
    },

    onRemove: function () {
      L.DomUtil.remove(this._canvas);
    },

    getEvents: function () {
      return {viewreset: this._reset, moveend: this._reset, zoomanim: this._animateZoom};
    },

    _animateZoom: function (e) {
      var map = this._map, scale = map.getZoomScale(e.zoom, this._zoom);
      var viewHalf = map.getSize().multiplyBy(0.5 + this.options.padding);
      var centre = map.project(this._center, e.zoom);
      var offset = viewHalf.multiplyBy(-scale).add(centre)
        .subtract(map._getNewPixelOrigin(e.center, e.zoom));
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },

    redraw: function () {
      if (this._map) { this._reset(); }
      return this;
    },

    _reset: function () {
      var map = this._map, canvas = this._canvas, pad = this.options.padding;
      var size = map.getSize(), ratio = window.devicePixelRatio || 1;
      var min = map.containerPointToLayerPoint(size.multiplyBy(-pad)).round();
      var width = Math.round(size.x * (1 + 2 * pad)), height = Math.round(size.y * (1 + 2 * pad));
      this._center = map.getCenter();
      this._zoom = map.getZoom();
      this._min = min;
      L.DomUtil.setTransform(canvas, min, 1);
      canvas.width = width * ratio;
      canvas.height = height * ratio;
      canvas.style.width = width + "px";
      canvas.style.height = height + "px";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var style = this._entry.style, radius = 3;
      var scale = Math.pow(2, this._zoom), origin = map.getPixelOrigin();
      var dx = origin.x + min.x, dy = origin.y + min.y;
      var metresPerPx = 40075016.686 / (256 * scale);
      // stamp each point straight into the pixels: no per-point canvas call at all
      var W = canvas.width, H = canvas.height, image = ctx.createImageData(W, H);
      var pixels = new Uint32Array(image.data.buffer), stamp = this._stamp(radius, ratio);
      var ox = stamp.dx, oy = stamp.dy, colours = stamp.colours, n = colours.length;
      var circles = [], reach = radius + 2, limit = this._entry.circleLimit();
      this._entry.items.forEach(function (item) {
        if (!item.shown) { return; }
        item.base.forEach(function (b) {
          var x = b.x * scale - dx, y = b.y * scale - dy;
          if (x < -reach || y < -reach || x > width + reach || y > height + reach) { return; }
          var cx = Math.round(x * ratio), cy = Math.round(y * ratio);
          for (var k = 0; k < n; k++) {
            var px = cx + ox[k], py = cy + oy[k];
            if (px >= 0 && py >= 0 && px < W && py < H) { pixels[py * W + px] = colours[k]; }
          }
          if (item.radius > 0 && item.radius <= limit) { circles.push([x, y, item]); }
        });
      });
      ctx.putImageData(image, 0, 0);
      ctx.strokeStyle = style.color;
      if (circles.length) {
        ctx.beginPath();
        circles.forEach(function (c) {
          var lat = c[2].latlngs[0].lat;
          var r = c[2].radius / (metresPerPx * Math.cos(lat * Math.PI / 180));
          ctx.moveTo(c[0] + r, c[1]);
          ctx.arc(c[0], c[1], r, 0, 2 * Math.PI);
        });
        ctx.setLineDash([6, 5]);
        ctx.lineWidth = 1.5;
        ctx.stroke();
        ctx.setLineDash([]);
      }
    },

    /** The pixels of one point symbol: offsets from its centre and their colours. */
    _stamp: function (radius, ratio) {
      var key = radius + "/" + ratio;
      if (this._stampKey !== key) {
        var fill = rgba(this._entry.style.fillColor), edge = rgba(this._entry.style.color);
        var outer = radius * ratio + 0.5, inner = outer - Math.max(ratio, 1.2);
        var reach = Math.ceil(outer), dx = [], dy = [], colours = [];
        for (var y = -reach; y <= reach; y++) {
          for (var x = -reach; x <= reach; x++) {
            var d = Math.sqrt(x * x + y * y);
            if (d > outer) { continue; }
            dx.push(x);
            dy.push(y);
            colours.push(d <= inner ? fill : edge);
          }
        }
        this._stampData = {dx: Int32Array.from(dx), dy: Int32Array.from(dy),
          colours: Uint32Array.from(colours)};
        this._stampKey = key;
      }
      return this._stampData;
    },

    /** The shown item nearest a container point, within a few pixels, or null. */
    hit: function (point) {
      if (!this._map) { return null; }
      var scale = Math.pow(2, this._map.getZoom()), origin = this._map.getPixelOrigin();
      var layer = this._map.containerPointToLayerPoint(point);
      var px = layer.x + origin.x, py = layer.y + origin.y;
      var best = null, limit = 6;
      var bestDistance = limit * limit;
      this._entry.items.forEach(function (item) {
        if (!item.shown) { return; }
        item.base.forEach(function (b) {
          var dx = b.x * scale - px, dy = b.y * scale - py, d = dx * dx + dy * dy;
          if (d <= bestDistance) { bestDistance = d; best = item; }
        });
      });
      return best;
    }
  });

  // ---------------------------------------------------------------- controls

  function control(position, build) {
    var Control = L.Control.extend({
      onAdd: function () {
        var box = build();
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    return new Control({position: position});
  }

  function collapsible(box, title, open) {
    var button = el("button", "geomap-toggle", title);
    button.type = "button";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var body = el("div", "geomap-body");
    body.hidden = !open;
    button.addEventListener("click", function () {
      body.hidden = !body.hidden;
      button.setAttribute("aria-expanded", body.hidden ? "false" : "true");
    });
    box.appendChild(button);
    box.appendChild(body);
    return body;
  }

  var TILES = [
    {key: "none", title: "None (offline)"},
    {key: "osm", title: "OpenStreetMap (online)",
      url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", maxZoom: 19,
      attribution: "Tiles © OpenStreetMap contributors"},
    {key: "topo", title: "OpenTopoMap (online)",
      url: "https://tile.opentopomap.org/{z}/{x}/{y}.png", maxZoom: 17,
      attribution: "Tiles © OpenStreetMap contributors, SRTM; style © OpenTopoMap (CC-BY-SA)"}
  ];

  function mount(map, data) {
    var state = {entries: [], items: [], year: null, tiles: null, circles: "limit"};
    var circleMax = typeof data.circle_max_m === "number" ? data.circle_max_m : 50000;
    data.circle_max_m = circleMax;

    /** The largest uncertainty radius drawn without being asked for, by the circles mode. */
    function circleLimit() {
      return state.circles === "all" ? Infinity : state.circles === "none" ? -1 : circleMax;
    }

    function circleWanted(item, circle) {
      if (!item.shown || state.circles === "none") { return false; }
      if (state.circles === "all" || !circle._geomapLarge) { return true; }
      var on = item.revealed;
      return on.hover || on.focus || on.popup;
    }

    function syncCircles(item) {
      if (!item.circles || !item.circles.length) { return; }
      item.circles.forEach(function (circle) {
        var want = circleWanted(item, circle), has = item.entry.group.hasLayer(circle);
        if (want && !has) { item.entry.group.addLayer(circle); }
        if (!want && has) { item.entry.group.removeLayer(circle); }
      });
    }

    function setCircleMode(mode) {
      state.circles = mode;
      state.items.forEach(syncCircles);
      state.entries.forEach(function (entry) {
        if (entry.pointCanvas) { entry.pointCanvas.redraw(); }
      });
    }
    geomap.map = map;
    map.getContainer().classList.add("geomap-map");
    var sharedCanvas = null;
    // permanent labels sit under the site symbols (a name never hides a site), above the shapes
    var labelPane = map.createPane("geomapLabels");
    labelPane.style.zIndex = 590;
    map.getPane("mapPane").insertBefore(labelPane, map.getPane("markerPane"));  // DOM order too

    // layers and features
    data.layers.forEach(function (layer, index) {
      var entry = {
        name: layer.name, title: layer.title, theme: layer.theme, style: layer.style,
        user: layer.user, canvas: layer.canvas, kind: kindOf(layer.geometry_type),
        attribution: layer.attribution, description: layer.description,
        group: L.featureGroup(), items: [], index: index, approx: 0, unknown: 0, checkbox: null,
        circleLimit: circleLimit
      };
      if (entry.canvas) {
        sharedCanvas = sharedCanvas || L.canvas({padding: 0.3, tolerance: 3});
        entry.renderer = sharedCanvas;
      }
      entry.pointCanvas = entry.canvas && entry.kind === "point" ? new PointCanvas(entry) : null;
      layer.features.forEach(function (feature) {
        var item;
        if (entry.pointCanvas) {
          item = {entry: entry, p: feature[1], y0: feature[2], y1: feature[3], leaves: [],
            latlngs: toLatLngs(feature[0]).map(L.latLng), shown: false,
            radius: feature[4] === 1 ? feature[5] : 0};
          if (!item.latlngs.length) { return; }
        } else {
          var made = makeLeaves(map, data, entry, feature, index);
          if (!made.leaves.length) { return; }
          item = {entry: entry, p: feature[1], y0: feature[2], y1: feature[3],
            leaves: made.leaves, circles: made.circles, shown: false,
            revealed: {hover: false, focus: false, popup: false}};
          item.reveal = function (how, on) {
            if (item.revealed[how] === on) { return; }
            item.revealed[how] = on;
            syncCircles(item);
          };
          if (made.circles.some(function (c) { return c._geomapLarge; }) && !entry.canvas) {
            entry.unknown += 1;
            item.unknownRadius = feature[5];
          }
        }
        if (feature[4] === 1 && entry.theme !== "context") { entry.approx += 1; }
        item.leaves.forEach(function (leaf) { leaf._geomapItem = item; });
        entry.items.push(item);
        state.items.push(item);
      });
      entry.group.on("click", function (e) {
        var item = e.layer && e.layer._geomapItem;
        if (item) { openPopup(item, e.latlng); }
      });
      entry.group.on("mouseover", function (e) {
        var leaf = e.layer, item = leaf && leaf._geomapItem;
        reveal(item, "hover", true);
        if (!item || isBlank(item.p.name) || (leaf.getTooltip && leaf.getTooltip())) { return; }
        leaf.bindTooltip(function () {
          var tip = el("span", null, display(item.p.name));
          if (item.unknownRadius) {
            tip.appendChild(el("span", "geomap-tip-note", "site unknown, within about " +
              formatDistance(item.unknownRadius)));
          }
          return tip;
        }, {sticky: item.entry.kind !== "point", direction: "top"});
        leaf.openTooltip(e.latlng);
      });
      entry.group.on("mouseout", function (e) {
        reveal(e.layer && e.layer._geomapItem, "hover", false);
      });
      // fill the group before it joins the map: one redraw instead of one per feature
      entry.items.forEach(function (item) {
        item.shown = true;
        syncCircles(item);
        item.leaves.forEach(function (leaf) { entry.group.addLayer(leaf); });
      });
      if (entry.pointCanvas) { entry.group.addLayer(entry.pointCanvas); }
      if (layer.visible !== false) { entry.group.addTo(map); }
      state.entries.push(entry);
    });

    // ---------------------------------------------------------------- label decluttering
    // Permanent labels (the towns of the basemap, and any layer styled with labels) are hidden
    // where they would overlap a label, or cover the marker, of a feature that matters more, and
    // shown again when there is room. Leaflet label plugins that do this exist on npm
    // (Leaflet.LayerGroup.Collision, leaflet-labeler...), but geomap must work after a plain
    // pip install, and a sweep over the ~50-100 labels in view is a few lines and well under a
    // millisecond: read every box first (one layout), then decide, then write the classes.
    var capital = /(^|[.;]\s*)Note: capital\b/;
    function labelRank(entry, item, order) {
      var pop = typeof item.p.population === "number" && item.p.population > 0
        ? item.p.population : -1;
      var isCapital = item.p.capital === true || capital.test(String(item.p.description || ""));
      // curated layers first, then capitals, then population, then the layer's own order
      return [entry.theme === "context" ? 1 : 0, isCapital ? 0 : 1, -pop, entry.index, order];
    }
    state.labels = [];
    state.entries.forEach(function (entry) {
      entry.items.forEach(function (item, order) {
        item.leaves.forEach(function (leaf) {
          var tip = leaf.getTooltip && leaf.getTooltip();
          if (tip && tip.options.permanent) {
            state.labels.push({marker: leaf, tip: tip, item: item,
              rank: labelRank(entry, item, order), hidden: false});
          }
        });
      });
    });
    state.labels.sort(function (a, b) {
      for (var i = 0; i < a.rank.length; i++) {
        if (a.rank[i] !== b.rank[i]) { return a.rank[i] - b.rank[i]; }
      }
      return 0;
    });

    function overlaps(a, b) {
      return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    }

    /** The permanent labels on the map now, most important first. */
    function drawnLabels() {
      return state.labels.filter(function (label) {
        return label.tip.getElement() && map.hasLayer(label.marker);
      });
    }

    function declutter() {
      if (!state.labels.length) { return; }
      // boxes grow 2 px sideways; the line box has ~5 px of air above and below 11 px text,
      // so they shrink 1 px vertically: labels in adjacent rows may touch, never overlap text
      var view = map.getContainer().getBoundingClientRect(), padX = 2, padY = -1;
      var drawn = drawnLabels();
      // read: one layout for every box
      drawn.forEach(function (label) {
        var r = label.tip.getElement().getBoundingClientRect();
        label.box = {left: r.left - padX, top: r.top - padY, right: r.right + padX,
          bottom: r.bottom + padY};
        var icon = label.marker.getElement(), d = icon ? icon.getBoundingClientRect() : r;
        label.dot = {left: d.left, top: d.top, right: d.right, bottom: d.bottom};
      });
      // decide: in rank order, a label stays when it is clear of the labels kept before it and
      // of the markers of every feature ranked above it
      var kept = [], dots = [];
      drawn.forEach(function (label) {
        var inView = overlaps(label.box, view);
        var clear = !inView || (!kept.some(function (k) { return overlaps(k, label.box); }) &&
          !dots.some(function (d) { return overlaps(d, label.box); }));
        label.hidden = !clear;
        if (clear && inView) { kept.push(label.box); }
        dots.push(label.dot);
      });
      // write
      drawn.forEach(function (label) {
        label.tip.getElement().classList.toggle("geomap-label-hidden", label.hidden);
      });
    }
    map.on("moveend resize", declutter);
    geomap.declutter = declutter;
    /** The permanent labels drawn: [{name, hidden}], most important first. */
    geomap.labels = function () {
      return drawnLabels().map(function (label) {
        return {name: String(label.item.p.name), hidden: label.hidden};
      });
    };

    // Tab order: the map, the controls at top left (zoom, search, measure, full screen), then
    // the curated sites in layer order, then the other controls. Leaflet puts every control
    // after the map's panes; the top-left corner moves in front of them so that a keyboard user
    // reaches the sites from the search box in a few presses.
    var firstControls = el("div", "leaflet-control-container geomap-first-controls");
    firstControls.appendChild(map.getContainer().querySelector(".leaflet-top.leaflet-left"));
    map.getContainer().insertBefore(firstControls, map.getPane("mapPane"));

    /** Keep the focusable markers in layer and feature order after layers come and go. */
    function sortSites() {
      var pane = map.getPane("markerPane"), want = [];
      state.entries.forEach(function (entry) {
        if (!map.hasLayer(entry.group)) { return; }
        entry.items.forEach(function (item) {
          item.leaves.forEach(function (leaf) {
            var icon = leaf.getElement && leaf.getElement();
            if (icon && icon.tabIndex === 0 && icon.parentNode === pane) { want.push(icon); }
          });
        });
      });
      var have = pane.querySelectorAll('[tabindex="0"]');
      var same = have.length === want.length && want.every(function (icon, i) {
        return have[i] === icon;
      });
      if (!same) { want.forEach(function (icon) { pane.appendChild(icon); }); }
    }
    geomap.sortSites = sortSites;

    // clicks and hover on canvas point layers: one scan of the projected points
    var pointLayers = state.entries.filter(function (e) { return e.pointCanvas; });
    function pointHit(e) {
      for (var i = pointLayers.length - 1; i >= 0; i--) {
        var entry = pointLayers[i];
        if (!map.hasLayer(entry.group)) { continue; }
        var item = entry.pointCanvas.hit(e.containerPoint);
        if (item) { return item; }
      }
      return null;
    }
    if (pointLayers.length) {
      var hoverTip = L.tooltip({direction: "top", offset: [0, -6]}), lastMove = 0;
      map.on("click", function (e) {
        if (measure.on) { return; }
        var item = pointHit(e);
        if (item) { openPopup(item, null); }
      });
      map.on("mousemove", function (e) {
        var now = Date.now();
        if (now - lastMove < 60) { return; }
        lastMove = now;
        var item = pointHit(e);
        map.getContainer().classList.toggle("geomap-pointer", !!item);
        if (item && !isBlank(item.p.name)) {
          hoverTip.setLatLng(item.latlngs[0]).setContent(el("span", null, display(item.p.name)));
          if (!map.hasLayer(hoverTip)) { hoverTip.addTo(map); }
        } else if (map.hasLayer(hoverTip)) {
          map.removeLayer(hoverTip);
        }
      });
    }

    function itemLatLng(item) {
      if (item.latlngs) { return item.latlngs[0]; }
      var last = item.leaves[item.leaves.length - 1];
      return last.getLatLng ? last.getLatLng() : null;
    }

    function openPopup(item, latlng) {
      var where = latlng || itemLatLng(item);
      if (!where) { where = item.leaves[item.leaves.length - 1].getBounds().getCenter(); }
      var popup = L.popup({maxWidth: 380, minWidth: 240, autoPanPadding: [30, 30]})
        .setLatLng(where).setContent(buildPopup(data, item));
      popup.on("add", function () { reveal(item, "popup", true); });
      popup.on("remove", function () { reveal(item, "popup", false); });
      popup.openOn(map);
    }

    function visibleInYear(item, year) {
      if (year === null) { return true; }
      if (item.y0 !== null && item.y0 > year) { return false; }
      if (item.y1 !== null && item.y1 < year) { return false; }
      return true;
    }

    function applyFilter() {
      state.entries.forEach(function (entry) {
        var toAdd = [];
        entry.items.forEach(function (item) {
          var show = visibleInYear(item, state.year);
          if (show === item.shown) { return; }
          item.shown = show;
          item.leaves.forEach(function (leaf) {
            if (show) { toAdd.push(leaf); } else { entry.group.removeLayer(leaf); }
          });
        });
        toAdd.forEach(function (leaf) { entry.group.addLayer(leaf); });
        entry.items.forEach(syncCircles);
        if (entry.pointCanvas) { entry.pointCanvas.redraw(); }
      });
      updateCounts();
      sortSites();
      declutter();
    }

    // attribution: escaped, since Leaflet writes it as HTML
    var seen = {};
    data.attributions.forEach(function (text) {
      String(text).split(/;\s*/).forEach(function (part) {
        part = part.trim();
        if (part && !seen[part]) {
          seen[part] = true;
          map.attributionControl.addAttribution(escapeHtml(part));
        }
      });
    });

    // title
    control("topleft", function () {
      var box = el("div", "geomap-title leaflet-bar");
      box.appendChild(el("h1", null, data.title));
      if (data.subtitle) { box.appendChild(el("div", "geomap-subtitle", data.subtitle)); }
      return box;
    }).addTo(map);
    map.zoomControl.remove();
    L.control.zoom({position: "topleft"}).addTo(map);

    // search
    control("topleft", function () {
      var box = el("div", "geomap-search leaflet-bar");
      var input = el("input");
      input.type = "search";
      input.placeholder = "Search features by name";
      input.setAttribute("aria-label", "Search features by name");
      var list = el("ul", "geomap-results");
      list.setAttribute("role", "listbox");
      box.appendChild(input);
      box.appendChild(list);
      var index = state.items.filter(function (item) { return item.entry.theme !== "context" ||
        item.entry.kind === "point"; }).map(function (item) {
        var p = item.p, names = [p.name, p.name_tg, p.name_ru, p.id].concat(
          Array.isArray(p.alt_names) ? p.alt_names : []);
        return {item: item, text: fold(names.filter(function (n) { return !isBlank(n); })
          .map(display).join(" | "))};
      });
      function choose(item) {
        if (!map.hasLayer(item.entry.group)) { setLayer(item.entry, true); }
        var point = itemLatLng(item);
        if (point) {
          map.setView(point, Math.max(map.getZoom(), 9));
        } else {
          map.fitBounds(item.leaves[item.leaves.length - 1].getBounds(),
            {maxZoom: 10, padding: [40, 40]});
        }
        openPopup(item, null);
      }
      input.addEventListener("input", function () {
        list.textContent = "";
        var query = fold(input.value.trim());
        if (query.length < 2) { return; }
        var hits = index.filter(function (rec) { return rec.text.indexOf(query) >= 0; });
        hits.slice(0, 12).forEach(function (rec) {
          var li = el("li");
          var button = el("button", null, isBlank(rec.item.p.name) ? "(unnamed)" : display(rec.item.p.name));
          button.type = "button";
          button.appendChild(el("span", "geomap-result-layer", rec.item.entry.title));
          button.addEventListener("click", function () { choose(rec.item); });
          li.appendChild(button);
          list.appendChild(li);
        });
        if (!hits.length) { list.appendChild(el("li", "geomap-none", "No feature matches")); }
        else if (hits.length > 12) { list.appendChild(el("li", "geomap-none", (hits.length - 12) + " more…")); }
      });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
          var first = list.querySelector("button");
          if (first) { first.click(); }
        } else if (e.key === "Escape") {
          input.value = "";
          list.textContent = "";
        }
      });
      return box;
    }).addTo(map);

    // measure
    var measure = {on: false, points: [], line: null, dots: L.layerGroup(), box: null};
    function resetMeasure() {
      measure.points = [];
      measure.dots.clearLayers();
      if (measure.line) { map.removeLayer(measure.line); measure.line = null; }
      measure.output.textContent = measure.on ? "Click on the map to measure" : "";
    }
    control("topleft", function () {
      var box = el("div", "geomap-measure leaflet-bar");
      var button = iconButton("M3 15 L15 3 M6 12 l-2 -2 M9 9 l-2 -2 M12 6 l-2 -2",
        "Measure distance (great circle)", "Measure distance");
      button.setAttribute("aria-pressed", "false");
      measure.output = el("div", "geomap-measure-output");
      measure.output.setAttribute("aria-live", "polite");
      button.addEventListener("click", function () {
        measure.on = !measure.on;
        button.setAttribute("aria-pressed", measure.on ? "true" : "false");
        map.getContainer().classList.toggle("geomap-measuring", measure.on);
        if (measure.on) { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); }
        resetMeasure();
      });
      box.appendChild(button);
      box.appendChild(measure.output);
      return box;
    }).addTo(map);
    measure.dots.addTo(map);
    map.on("click", function (e) {
      if (!measure.on) { return; }
      measure.points.push(e.latlng);
      L.circleMarker(e.latlng, {radius: 3, color: "#000", weight: 1, fillColor: "#fff",
        fillOpacity: 1, interactive: false}).addTo(measure.dots);
      if (!measure.line) {
        measure.line = L.polyline(measure.points, {color: "#000", weight: 2, dashArray: "2 6",
          interactive: false}).addTo(map);
      } else {
        measure.line.setLatLngs(measure.points);
      }
      var total = 0;
      for (var i = 1; i < measure.points.length; i++) {
        total += map.distance(measure.points[i - 1], measure.points[i]);
      }
      measure.output.textContent = measure.points.length < 2 ? "Click the next point"
        : "Distance: " + formatDistance(total);
      geomap.measured = total;
    });

    // full screen
    control("topleft", function () {
      var box = el("div", "leaflet-bar");
      var button = iconButton("M2 7 V2 H7 M11 2 H16 V7 M16 11 V16 H11 M7 16 H2 V11",
        "Full screen", "Full screen");
      button.addEventListener("click", function () {
        var container = map.getContainer();
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else if (container.requestFullscreen && !container.classList.contains("geomap-fullscreen")) {
          container.requestFullscreen().catch(function () {
            container.classList.toggle("geomap-fullscreen");
            map.invalidateSize();
          });
        } else {
          container.classList.toggle("geomap-fullscreen");
          map.invalidateSize();
        }
      });
      document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
      box.appendChild(button);
      return box;
    }).addTo(map);

    // layer control grouped by theme
    function setLayer(entry, on) {
      if (on) { entry.group.addTo(map); } else { map.removeLayer(entry.group); }
      if (entry.checkbox) { entry.checkbox.checked = on; }
      updateCounts();
      sortSites();
      declutter();
    }
    control("topright", function () {
      var box = el("div", "geomap-layers leaflet-bar");
      var body = collapsible(box, "Layers", true);
      var circles = el("fieldset", "geomap-theme geomap-circles");
      circles.appendChild(el("legend", null, "Uncertainty circles"));
      var modes = el("div", "geomap-circle-modes");
      [["limit", "up to " + roundKm(circleMax)], ["all", "all"], ["none", "none"]].forEach(
        function (mode) {
          var label = el("label", "geomap-row");
          var radio = el("input");
          radio.type = "radio";
          radio.name = "geomap-circles";
          radio.value = mode[0];
          radio.checked = mode[0] === state.circles;
          radio.addEventListener("change", function () {
            if (radio.checked) { setCircleMode(mode[0]); }
          });
          label.appendChild(radio);
          label.appendChild(el("span", null, mode[1]));
          modes.appendChild(label);
        });
      circles.appendChild(modes);
      body.appendChild(circles);
      var tiles = el("fieldset", "geomap-theme");
      tiles.appendChild(el("legend", null, "Background tiles"));
      TILES.forEach(function (tile) {
        var label = el("label", "geomap-row");
        var radio = el("input");
        radio.type = "radio";
        radio.name = "geomap-tiles";
        radio.checked = tile.key === "none";
        radio.addEventListener("change", function () {
          if (state.tiles) { map.removeLayer(state.tiles); state.tiles = null; }
          if (tile.url) {
            state.tiles = L.tileLayer(tile.url, {maxZoom: tile.maxZoom,
              attribution: escapeHtml(tile.attribution)}).addTo(map);
            state.tiles.bringToBack();
          }
        });
        label.appendChild(radio);
        label.appendChild(el("span", null, tile.title));
        tiles.appendChild(label);
      });
      data.themes.forEach(function (theme) {
        var members = state.entries.filter(function (e) { return e.theme === theme.key; });
        if (!members.length) { return; }
        var set = el("fieldset", "geomap-theme");
        set.appendChild(el("legend", null, theme.title));
        members.forEach(function (entry) {
          var label = el("label", "geomap-row");
          var box2 = el("input");
          box2.type = "checkbox";
          box2.checked = map.hasLayer(entry.group);
          box2.setAttribute("data-layer", String(entry.index));
          box2.addEventListener("change", function () { setLayer(entry, box2.checked); });
          entry.checkbox = box2;
          label.appendChild(box2);
          label.appendChild(swatch(entry));
          label.appendChild(el("span", "geomap-layer-title", entry.title));
          entry.countNode = el("span", "geomap-count");
          label.appendChild(entry.countNode);
          if (entry.description) { label.title = entry.description; }
          set.appendChild(label);
        });
        body.appendChild(set);
      });
      body.appendChild(tiles);  // online extras last: the offline layers come first
      return box;
    }).addTo(map);

    // legend
    control("bottomright", function () {
      var box = el("div", "geomap-legend leaflet-bar");
      var body = collapsible(box, "Legend", map.getSize().y >= 760);  // folded on small screens
      var list = el("ul");
      var anyApproxPoint = false, anyApproxShape = false;
      // the layers that matter first, the basemap last
      var ordered = state.entries.filter(function (e) { return e.theme !== "context"; })
        .concat(state.entries.filter(function (e) { return e.theme === "context"; }));
      ordered.forEach(function (entry) {
        var li = el("li", entry.theme === "context" ? "geomap-legend-basemap" : null);
        li.appendChild(swatch(entry));
        li.appendChild(el("span", null, entry.title));
        list.appendChild(li);
        var bySymbol = entry.style.categorySymbols || {}, present = {};
        entry.items.forEach(function (item) { present[item.p.category] = true; });
        if (entry.kind === "point" && !entry.canvas) {
          Object.keys(bySymbol).forEach(function (category) {
            if (!present[category]) { return; }
            var sub = el("li", "geomap-legend-sub");
            sub.appendChild(symbolSvg(entry.style, 14, false, bySymbol[category]));
            sub.appendChild(el("span", null, data.categories[category] || category));
            list.appendChild(sub);
          });
        }
        if (entry.approx && entry.kind === "point") { anyApproxPoint = entry; }
        if (entry.approx && entry.kind !== "point") { anyApproxShape = entry; }
      });
      body.appendChild(list);
      var notes = el("ul", "geomap-legend-notes");
      var pointNote = el("li");
      pointNote.appendChild(swatch({style: {color: "#444444", fillColor: "#888888", weight: 2,
        fillOpacity: 0.1}, kind: "point"}, "approx"));
      pointNote.appendChild(el("span", null, "Hollow symbol, dashed circle: approximate site, " +
        "within that radius"));
      notes.appendChild(pointNote);
      var anyUnknown = state.entries.some(function (e) { return e.unknown > 0; });
      if (anyUnknown) {
        var unknownNote = el("li", "geomap-legend-unknown");
        unknownNote.appendChild(unknownSvg({color: "#444444", fillColor: "#888888"}, 18,
          "circle"));
        unknownNote.appendChild(el("span", null, "“?” symbol: site unknown, within more than " +
          roundKm(circleMax) + "; its circle shows on hover"));
        notes.appendChild(unknownNote);
      }
      var lineNote = el("li");
      lineNote.appendChild(swatch({style: {color: "#444444", fillColor: "#888888", weight: 2,
        fillOpacity: 0.1}, kind: "line"}, "approx"));
      lineNote.appendChild(el("span", null, "Dashed line or outline: approximate course or boundary"));
      notes.appendChild(lineNote);
      notes.appendChild(el("li", "geomap-legend-text", "Solid symbols are exact sites (code 1). " +
        "Click any feature for its sources."));
      body.appendChild(notes);
      geomap.legendNotes = {points: !!anyApproxPoint, shapes: !!anyApproxShape};
      return body.parentNode;
    }).addTo(map);

    // year filter
    control("bottomleft", function () {
      var box = el("div", "geomap-years leaflet-bar");
      var years = [];
      state.items.forEach(function (item) {
        if (item.y0 !== null) { years.push(item.y0); }
        if (item.y1 !== null) { years.push(item.y1); }
      });
      var label = el("label", "geomap-row");
      var check = el("input");
      check.type = "checkbox";
      label.appendChild(check);
      label.appendChild(el("span", null, "Show only what existed in"));
      var value = el("output", "geomap-year-value", "all years");
      label.appendChild(value);
      var range = el("input");
      range.type = "range";
      range.setAttribute("aria-label", "Year");
      box.appendChild(label);
      box.appendChild(range);
      if (!years.length) {
        check.disabled = true;
        range.disabled = true;
        value.textContent = "(no dated features)";
        return box;
      }
      var min = Math.min.apply(null, years), max = Math.max(Math.max.apply(null, years),
        new Date().getFullYear());
      range.min = String(min);
      range.max = String(max);
      range.step = "1";
      range.value = String(max);
      range.disabled = true;
      function update() {
        range.disabled = !check.checked;
        state.year = check.checked ? parseInt(range.value, 10) : null;
        value.textContent = state.year === null ? "all years" : String(state.year);
        applyFilter();
      }
      check.addEventListener("change", update);
      range.addEventListener("input", update);
      box.appendChild(el("div", "geomap-years-note", "Undated features stay visible; finished " +
        "works stay after their completion date."));
      return box;
    }).addTo(map);

    // scale bar and cursor coordinates
    L.control.scale({imperial: false, position: "bottomleft", maxWidth: 160}).addTo(map);
    var coords = el("div", "geomap-coords leaflet-bar", "Cursor: move over the map");
    control("bottomleft", function () { return coords; }).addTo(map);
    map.on("mousemove", function (e) {
      var lat = e.latlng.lat, lng = L.Util.wrapNum(e.latlng.lng, [-180, 180], true);
      coords.textContent = Math.abs(lat).toFixed(4) + "° " + (lat >= 0 ? "N" : "S") + "  " +
        Math.abs(lng).toFixed(4) + "° " + (lng >= 0 ? "E" : "W");
    });
    map.on("mouseout", function () { coords.textContent = "Cursor: move over the map"; });

    function updateCounts() {
      state.entries.forEach(function (entry) {
        if (!entry.countNode) { return; }
        var shown = entry.items.filter(function (i) { return i.shown; }).length;
        entry.countNode.textContent = shown === entry.items.length ? String(shown)
          : shown + "/" + entry.items.length;
      });
    }

    geomap.counts = function () {
      var out = {};
      state.entries.forEach(function (entry) {
        out[entry.name] = map.hasLayer(entry.group) ? entry.items.filter(function (i) {
          return i.shown;
        }).length : 0;
      });
      return out;
    };
    geomap.totals = function () {
      var out = {};
      state.entries.forEach(function (entry) { out[entry.name] = entry.items.length; });
      return out;
    };
    geomap.year = function () { return state.year; };
    geomap.circleMode = function () { return state.circles; };
    geomap.layerIndex = function (name) {
      var found = state.entries.filter(function (e) { return e.name === name; })[0];
      return found ? found.index : -1;
    };

    // initial view: the data; when there is a basemap frame (the clipped neighbour countries),
    // the part of the data inside it, zoomed in far enough that the frame's edges stay out of
    // sight (features outside are a zoom-out away)
    var view = L.latLngBounds(data.bounds), zoom;
    if (data.frame) {
      var frame = L.latLngBounds(data.frame);
      if (frame.intersects(view)) {
        view = L.latLngBounds(
          [Math.max(view.getSouth(), frame.getSouth()), Math.max(view.getWest(), frame.getWest())],
          [Math.min(view.getNorth(), frame.getNorth()), Math.min(view.getEast(), frame.getEast())]);
      }
      zoom = Math.max(map.getBoundsZoom(view, false, L.point(20, 20)), map.getBoundsZoom(frame, true));
      map.setView(view.getCenter(), zoom, {animate: false});
      map.panInsideBounds(frame, {animate: false});
    } else {
      map.setView(view.getCenter(), map.getBoundsZoom(view, false, L.point(20, 20)), {animate: false});
    }
    applyFilter();
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        geomap.readyTime = performance.now();
        geomap.ready = true;
      });
    });
  }

  geomap.mount = function (map, data) {
    try {
      mount(map, data);
    } catch (err) {
      console.error("geomap: " + err);
      throw err;
    }
  };
})();
