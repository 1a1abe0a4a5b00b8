/* geomap story mode: step through a story on a Leaflet map, offline.
 *
 * Data arrive only as JSON in the script element #story-data (application/json) and reach the
 * DOM only through textContent and numeric SVG attributes: nothing from a story or a layer is
 * ever parsed as HTML or run as code.
 *
 * Keys: Right/Down/PageDown/Space = next, Left/Up/PageUp = previous, Home = first, End = last.
 * The URL fragment #step-N keeps the step across reloads and shared links.
 * window.geomap.story exposes the state for tests: current(), goTo(n), visibleLayers(), map.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("story-data").textContent);
  var steps = data.steps;
  var total = steps.length;
  var reduceMotion = window.matchMedia &&
    window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var SVG = "http://www.w3.org/2000/svg";
  var current = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  /* ------------------------------------------------------------------ marker shapes */

  // Each layer's style is its catalog style (colours, fills, dashes, symbols: the same as the
  // main map), with heavier lines and bigger markers for a projector (see story.py).
  function regular(n, radius, turn) {
    var pts = [];
    for (var i = 0; i < n; i++) {
      var a = turn + 2 * Math.PI * i / n;
      pts.push((12 + radius * Math.cos(a)).toFixed(2) + "," + (12 + radius * Math.sin(a)).toFixed(2));
    }
    return pts.join(" ");
  }

  function polygon(points) {
    var p = document.createElementNS(SVG, "polygon");
    p.setAttribute("points", points);
    return p;
  }

  var SHAPES = {
    circle: function () { var c = document.createElementNS(SVG, "circle");
      c.setAttribute("cx", "12"); c.setAttribute("cy", "12"); c.setAttribute("r", "8"); return c; },
    square: function () { var r = document.createElementNS(SVG, "rect");
      r.setAttribute("x", "4.5"); r.setAttribute("y", "4.5");
      r.setAttribute("width", "15"); r.setAttribute("height", "15"); return r; },
    triangle: function () { return polygon("12,2.5 22,20.5 2,20.5"); },
    diamond: function () { return polygon("12,1.5 22.5,12 12,22.5 1.5,12"); },
    star: function () { return polygon(
      "12,1.5 14.8,8.9 22.5,9.2 16.4,14 18.6,21.5 12,17.2 5.4,21.5 7.6,14 1.5,9.2 9.2,8.9"); },
    hexagon: function () { return polygon(regular(6, 9.5, 0)); },
    cross: function () { return polygon(
      "8.5,2 15.5,2 15.5,8.5 22,8.5 22,15.5 15.5,15.5 15.5,22 8.5,22 8.5,15.5 2,15.5 2,8.5 8.5,8.5"); }
  };

  /** The shape and fill of one point: its category's, else the layer's. */
  function pointLook(style, category) {
    return {
      shape: (style.category_shapes || {})[category] || style.shape,
      fill: (style.category_colors || {})[category] || style.fill
    };
  }

  /**
   * A point symbol. ``certainty`` (see story.py site_certainty, the main map's rule) picks the
   * variant, as on the main map: "exact" solid; "approximate" hollow with a dashed outline in
   * the layer's colour; "unknown" (known only within more than circle_max_m) hollow, dashed,
   * with a "?". Highlighted symbols keep their variant with a black outline.
   */
  function shapeSvg(style, size, highlighted, look, certainty) {
    look = look || { shape: style.shape, fill: style.fill };
    var name = SHAPES[look.shape] ? look.shape : "circle";
    var vague = certainty === "approximate" || certainty === "unknown";
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "story-symbol story-symbol-" + name +
      (vague ? " story-site-" + certainty : ""));
    var shape = SHAPES[name]();
    if (vague) {
      // hollow: white inside (a tint of the layer colour when highlighted), dashed outline
      shape.setAttribute("fill", "#ffffff");
      shape.setAttribute("fill-opacity", "0.92");
      shape.setAttribute("stroke", highlighted ? "#000000" : look.fill);
      shape.setAttribute("stroke-width", highlighted ? "2" : "2.5");
      shape.setAttribute("stroke-dasharray", highlighted ? "4 2.5" : "3 2");
    } else {
      shape.setAttribute("fill", look.fill);
      shape.setAttribute("fill-opacity", String(style.fill_opacity === undefined ? 1 :
        Math.max(style.fill_opacity, 0.6)));
      shape.setAttribute("stroke", highlighted ? "#000000" : (style.outline || "#222222"));
      shape.setAttribute("stroke-width", highlighted ? "2.5" : "1.5");
    }
    shape.setAttribute("stroke-linejoin", "round");
    svg.appendChild(shape);
    if (certainty === "unknown") {
      // a white halo keeps the "?" legible where it crosses the outline (stars, triangles)
      var mark = document.createElementNS(SVG, "text");
      var small = name === "triangle" || name === "star";
      mark.setAttribute("x", "12");
      mark.setAttribute("y", name === "triangle" ? "14.5" : "12.5");
      mark.setAttribute("text-anchor", "middle");
      mark.setAttribute("dominant-baseline", "central");
      mark.setAttribute("font-size", small ? "11" : "13");
      mark.setAttribute("font-weight", "bold");
      mark.setAttribute("font-family", "DejaVu Sans, Arial, sans-serif");
      mark.setAttribute("fill", "#111111");
      mark.setAttribute("stroke", "#ffffff");
      mark.setAttribute("stroke-width", "2.5");
      mark.setAttribute("paint-order", "stroke");
      mark.setAttribute("class", "story-symbol-mark");
      mark.textContent = "?";
      svg.appendChild(mark);
    }
    return svg;
  }

  /** "280 km", "25.0 km", "800 m": distances as the main map writes them. */
  function formatDistance(metres) {
    return metres >= 1000 ? (metres / 1000).toFixed(metres >= 100000 ? 0 : 1) + " km"
      : Math.round(metres) + " m";
  }

  /** "50 km" rather than "50.0 km", for round limits. */
  function roundKm(metres) {
    return metres >= 1000 && metres % 1000 === 0 ? (metres / 1000) + " km" : formatDistance(metres);
  }

  /** How well a feature's site is known: {certainty, radius} (story.py adds feature.site). */
  function siteOf(feature) {
    var site = feature.site || ["exact", 0];
    return { certainty: site[0], radius: site[1] || 0 };
  }

  /** "site unknown (within about 280 km)", "site approximate (within about 25.0 km)" or "". */
  function siteNote(site) {
    if (site.certainty !== "approximate" && site.certainty !== "unknown") { return ""; }
    return "site " + site.certainty +
      (site.radius > 0 ? " (within about " + formatDistance(site.radius) + ")" : "");
  }

  function lineSwatch(style, area) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 36 24");
    svg.setAttribute("width", "36");
    svg.setAttribute("height", "24");
    svg.setAttribute("aria-hidden", "true");
    var item;
    if (area) {
      item = document.createElementNS(SVG, "rect");
      item.setAttribute("x", "3"); item.setAttribute("y", "3");
      item.setAttribute("width", "30"); item.setAttribute("height", "18");
      item.setAttribute("fill", style.fill);
      item.setAttribute("fill-opacity", String(Math.max(style.fill_opacity, 0.3)));
    } else {
      item = document.createElementNS(SVG, "line");
      item.setAttribute("x1", "2"); item.setAttribute("y1", "12");
      item.setAttribute("x2", "34"); item.setAttribute("y2", "12");
    }
    item.setAttribute("stroke", style.color);
    item.setAttribute("stroke-opacity", String(style.opacity));
    item.setAttribute("stroke-width", String(Math.min(style.weight, 5)));
    if (style.dash) { item.setAttribute("stroke-dasharray", style.dash); }
    svg.appendChild(item);
    return svg;
  }

  /** Leaflet path options of a line or area feature, before any highlight. */
  function pathStyle(info, props) {
    var style = info.style;
    // the focus country (Tajikistan in the basemap): lighter fill, heavier outline
    var focus = style.focus && (props || {}).iso_a2 === style.focus;
    return {
      color: style.color, opacity: style.opacity, dashArray: style.dash || null,
      weight: focus ? style.weight + style.focus_weight : style.weight,
      fill: info.kind === "area",
      fillColor: focus ? style.focus_fill : style.fill,
      fillOpacity: focus ? style.focus_fill_opacity : style.fill_opacity
    };
  }

  /* ------------------------------------------------------------------ the map */

  document.getElementById("story-map").style.background = data.background;
  var map = L.map("story-map", {
    keyboard: false,          // the arrow keys move between steps, not the map
    zoomSnap: 0.25,
    attributionControl: false,  // sources are listed in the panel, per step
    worldCopyJump: false
  });
  if (data.tiles && data.tiles.url) {
    L.tileLayer(data.tiles.url).addTo(map);
  }
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);

  var layerNames = Object.keys(data.layers);
  var leafletLayers = {};   // name -> L.GeoJSON
  var featureLayers = {};   // name -> [{id, layer, isPoint}]
  var circleLayers = {};    // name -> L.LayerGroup of uncertainty circles
  var circleMax = data.circle_max_m || 50000;

  layerNames.forEach(function (name) {
    var info = data.layers[name];
    var style = info.style;
    var items = [];
    featureLayers[name] = items;
    circleLayers[name] = L.layerGroup();
    var group = L.geoJSON({ type: "FeatureCollection", features: info.features }, {
      style: function (feature) { return pathStyle(info, feature.properties); },
      pointToLayer: function (feature, latlng) {
        var size = style.marker;
        var look = pointLook(style, (feature.properties || {}).category);
        var icon = L.divIcon({ className: "story-marker",
          html: shapeSvg(style, size, false, look, siteOf(feature).certainty),
          iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
        return L.marker(latlng, { icon: icon, keyboard: false });
      },
      onEachFeature: function (feature, layer) {
        var props = feature.properties || {};
        var start = /^\d{4}/.test(props.start_date || "") ?
          parseInt(props.start_date.slice(0, 4), 10) : null;
        var isPoint = !!feature.geometry && /Point$/.test(feature.geometry.type);
        var site = siteOf(feature);
        var item = { id: props.id, layer: layer, isPoint: isPoint, name: props.name,
          start: start, props: props, site: site, circle: null,
          // how well a site is known (points only: lines and areas keep their catalog look)
          note: isPoint ? siteNote(site) : "" };
        items.push(item);
        if (feature.geometry.type === "Point" && site.radius > 0) {
          // the uncertainty circle, as on the main map: dashed, always drawn up to circleMax;
          // a site known less well ("?") shows it only while its symbol is hovered
          var large = site.radius > circleMax;
          item.circle = L.circle(layer.getLatLng(), { radius: site.radius, color: style.color,
            weight: large ? 2.5 : 2, dashArray: "6 5", fill: !large, fillColor: style.fill,
            fillOpacity: 0.08, interactive: false,
            className: "story-uncertainty" + (large ? " story-uncertainty-large" : "") });
          item.circle._storyLarge = large;
          if (large) {
            layer.on("mouseover", function () { showCircle(name, item, true); });
            layer.on("mouseout", function () { showCircle(name, item, false); });
          }
        }
        if (isPoint) {
          layer.on("add", function () { describe(item); });
        }
        if (props.name || item.note) {
          layer.bindTooltip(tipContent(item), { direction: "auto" });
        }
      }
    });
    leafletLayers[name] = group;
  });

  /** A feature's tooltip: its name and, for a site not known exactly, how well it is known. */
  function tipContent(item) {
    var tip = el("span", "story-tip", item.name || item.id || "");
    if (item.note) {
      tip.appendChild(el("span", "story-tip-note", item.note));
    }
    return tip;
  }

  /** Screen-reader text of a point symbol: its name and how well its site is known. */
  function describe(item) {
    var node = item.layer.getElement && item.layer.getElement();
    if (!node) { return; }
    node.setAttribute("role", "img");
    node.setAttribute("aria-label", (item.name || item.id || "(unnamed)") +
      (item.note ? ": " + item.note : ""));
  }

  /** Add or remove an uncertainty circle; a large one only while asked for (hover). */
  function showCircle(name, item, on) {
    var circles = circleLayers[name];
    if (on && leafletLayers[name].hasLayer(item.layer) && !circles.hasLayer(item.circle)) {
      circles.addLayer(item.circle);
    } else if (!on && circles.hasLayer(item.circle)) {
      circles.removeLayer(item.circle);
    }
  }

  // a highlighted feature shows its name permanently; the others on hover or focus
  function label(item, permanent) {
    if (!item.name) { return; }
    var tip = item.layer.getTooltip();
    if (tip && tip.options.permanent === permanent) { return; }
    item.layer.unbindTooltip();
    item.layer.bindTooltip(tipContent(item), { direction: "auto", permanent: permanent });
  }

  function setHighlight(name, highlight) {
    var info = data.layers[name];
    var style = info.style;
    var any = highlight.length > 0;
    // name labels only when few features are highlighted; the panel always lists them
    var labels = highlight.length <= 3;
    featureLayers[name].forEach(function (item) {
      var on = highlight.indexOf(item.id) >= 0;
      if (item.isPoint) {
        var size = on ? style.marker_highlight : style.marker;
        item.layer.setIcon(L.divIcon({
          className: "story-marker" + (on ? " story-marker-highlight" : ""),
          html: shapeSvg(style, size, on, pointLook(style, item.props.category),
            item.site.certainty),
          iconSize: [size, size], iconAnchor: [size / 2, size / 2] }));
        describe(item);
        item.layer.setOpacity(any && !on ? 0.55 : 1);
        if (item.circle) {
          item.circle.setStyle({ opacity: any && !on ? 0.5 : 1, weight: on ? 3 : 2 });
        }
        item.layer.setZIndexOffset(on ? 1000 : 0);
        label(item, on && labels);
      } else {
        // highlight emphasis: areas outlined black, lines kept in their colour but heavier
        // (dashes stretched alike); the rest of the layer a little faded
        var area = info.kind === "area";
        var look = pathStyle(info, item.props);
        if (on) {
          var heavier = look.weight + (area ? 2 : 4);
          if (area) {
            look.color = "#000000";
            look.fillOpacity = Math.max(look.fillOpacity, 0.55);
          } else if (look.dashArray) {
            look.dashArray = look.dashArray.split(/[ ,]+/).map(function (d) {
              return String(parseFloat(d) * heavier / look.weight); }).join(" ");
          }
          look.weight = heavier;
          look.opacity = 1;
        } else if (any) {
          look.opacity = Math.min(look.opacity, 0.6);
        }
        item.layer.setStyle(look);
        if (on) { item.layer.bringToFront(); }
        label(item, on && labels);
      }
    });
  }

  /** Which symbol variants a step shows: {approximate: n, unknown: n} point features. */
  function siteVariants(step) {
    var found = { approximate: 0, unknown: 0 };
    step.layers.forEach(function (name) {
      featureLayers[name].forEach(function (item) {
        if (item.isPoint && inYear(item, step) && found[item.site.certainty] !== undefined) {
          found[item.site.certainty] += 1;
        }
      });
    });
    return found;
  }

  function inYear(item, step) {
    return step.until === null || step.until === undefined || item.start === null ||
      item.start <= step.until;
  }

  function showLayers(step) {
    layerNames.forEach(function (name) {
      var want = step.layers.indexOf(name) >= 0;
      var group = leafletLayers[name];
      var has = map.hasLayer(group);
      // features that start after the step's year are not on the map yet
      featureLayers[name].forEach(function (item) {
        var show = inYear(item, step);
        if (show && !group.hasLayer(item.layer)) { group.addLayer(item.layer); }
        if (!show && group.hasLayer(item.layer)) { group.removeLayer(item.layer); }
        if (item.circle) { showCircle(name, item, show && !item.circle._storyLarge); }
      });
      if (want && !has) { group.addTo(map); }
      if (!want && has) { map.removeLayer(group); }
      var circles = circleLayers[name];
      if (want && !map.hasLayer(circles)) { circles.addTo(map); }
      if (!want && map.hasLayer(circles)) { map.removeLayer(circles); }
    });
    // draw in the step's order: areas at the bottom, points on top
    step.layers.forEach(function (name) {
      if (data.layers[name].kind !== "point") { leafletLayers[name].bringToFront(); }
    });
    step.layers.forEach(function (name) { setHighlight(name, step.highlight); });
  }

  function fly(step, animate) {
    var view = step.view;
    var options = { animate: animate, duration: animate ? 1.2 : 0 };
    if (view.bounds) {
      var b = view.bounds;
      var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
      if (animate) { map.flyToBounds(bounds, options); }
      else { map.fitBounds(bounds, { animate: false }); }
    } else {
      var center = L.latLng(view.center[0], view.center[1]);
      if (animate) { map.flyTo(center, view.zoom, options); }
      else { map.setView(center, view.zoom, { animate: false }); }
    }
  }

  /* ------------------------------------------------------------------ the panel */

  function fillPanel(step) {
    var year = document.getElementById("story-year");
    year.textContent = step.year || "";
    year.hidden = !step.year;
    document.getElementById("story-step-title").textContent = step.title;

    var text = document.getElementById("story-text");
    text.replaceChildren();
    step.text.split(/\n\s*\n/).forEach(function (para) {
      text.appendChild(el("p", null, para.replace(/\s*\n\s*/g, " ")));
    });

    var legend = document.getElementById("story-legend");
    legend.replaceChildren();
    step.layers.forEach(function (name) {
      var info = data.layers[name];
      var li = el("li", "story-legend-item");
      li.setAttribute("data-layer", name);
      li.appendChild(info.kind === "point" ? shapeSvg(info.style, 24, false)
        : lineSwatch(info.style, info.kind === "area"));
      li.appendChild(el("span", null, info.title));
      if ((info.categories || []).length) {
        // a layer drawn by category: one symbol per category, as on the main map
        var sub = el("ul", "story-legend-classes");
        info.categories.forEach(function (c) {
          var item = el("li", "story-legend-class");
          item.appendChild(shapeSvg(info.style, 20, false, { shape: c.shape, fill: c.fill }));
          item.appendChild(el("span", null, c.label));
          sub.appendChild(item);
        });
        li.appendChild(sub);
      }
      legend.appendChild(li);
    });
    // highlighted features by how well their sites are known: "A; B – each site unknown (...)"
    var notes = [], byNote = {}, kinds = {};
    step.layers.forEach(function (name) {
      featureLayers[name].forEach(function (item) {
        if (step.highlight.indexOf(item.id) >= 0 && inYear(item, step)) {
          var text = item.name || item.id;
          if (!byNote[item.note]) { byNote[item.note] = []; notes.push(item.note); }
          if (byNote[item.note].indexOf(text) < 0) { byNote[item.note].push(text); }
          if (item.isPoint) { kinds[item.site.certainty] = true; }
        }
      });
    });
    var names = notes.map(function (note) {
      var group = byNote[note];
      return group.join("; ") + (!note ? "" : " \u2013 " + (group.length > 1 ? "each " : "") +
        note);
    });
    var vague = siteVariants(step);
    if (vague.approximate || vague.unknown) {
      // what the hollow, dashed and "?" symbols mean, as in the main map's legend
      var grey = { fill: "#888888", shape: "circle", outline: "#222222" };
      if (vague.approximate) {
        var approx = el("li", "story-legend-item story-legend-approx");
        approx.appendChild(shapeSvg(grey, 24, false, null, "approximate"));
        approx.appendChild(el("span", null, "Hollow, dashed symbol: site approximate; " +
          "the dashed circle shows how far off it may be"));
        legend.appendChild(approx);
      }
      if (vague.unknown) {
        var unknown = el("li", "story-legend-item story-legend-unknown");
        unknown.appendChild(shapeSvg(grey, 24, false, null, "unknown"));
        unknown.appendChild(el("span", null, "\u201c?\u201d symbol: site unknown, known only " +
          "within more than " + roundKm(circleMax) + " (its circle shows on hover)"));
        legend.appendChild(unknown);
      }
      legend.appendChild(el("li", "story-legend-note", "Solid symbols are exact sites."));
    }
    if (step.until !== null && step.until !== undefined) {
      legend.appendChild(el("li", "story-legend-note",
        "Sites and events dated after " + step.until + " are not shown."));
    }
    if (names.length) {
      var li = el("li", "story-legend-item story-legend-highlight");
      // the swatch in the variant of the highlighted sites when they share one
      var only = Object.keys(kinds).length === 1 ? Object.keys(kinds)[0] : "exact";
      li.appendChild(shapeSvg({ fill: "#ffffff", shape: "circle" }, 24, true, null, only));
      li.appendChild(el("span", null, "Highlighted: " + names.join("; ")));
      legend.appendChild(li);
    }

    var list = document.getElementById("story-citations");
    list.replaceChildren();
    step.citations.forEach(function (c) { list.appendChild(citationItem(c)); });
    document.getElementById("story-attribution").textContent = mapCredits(step);
  }

  // "Map data: ..." from the attributions of the step's layers (and tiles), each part once
  function mapCredits(step) {
    var parts = [];
    var texts = step.layers.map(function (n) { return data.layers[n].attribution || ""; });
    if (data.tiles && data.tiles.attribution) { texts.push(data.tiles.attribution); }
    texts.forEach(function (text) {
      text.split(/;\s*/).forEach(function (part) {
        part = part.trim();
        if (part && parts.indexOf(part) < 0) { parts.push(part); }
      });
    });
    return parts.length ? "Map data: " + parts.join("; ").replace(/\.*$/, ".") : "";
  }

  function citationItem(c) {
    var li = el("li", "story-citation");
    var text = c.label;
    if (c.locator) { text += ", " + c.locator; }
    li.appendChild(el("span", null, text));
    if (c.seed) { li.appendChild(el("span", "story-seed", " [" + c.seed + "]")); }
    if (c.url && /^https?:\/\//.test(c.url)) {
      li.appendChild(document.createTextNode(" "));
      var a = el("a", null, c.url);
      a.href = c.url;          // only http(s) addresses reach an href
      a.rel = "noopener noreferrer";
      li.appendChild(a);
    }
    if (c.quote) { li.appendChild(el("q", "story-quote", c.quote)); }
    return li;
  }

  /* ------------------------------------------------------------------ navigation */

  function goTo(index, options) {
    options = options || {};
    index = Math.max(0, Math.min(total - 1, index));
    var changed = index !== current || options.force;
    current = index;
    var step = steps[index];
    var number = index + 1;
    fly(step, !reduceMotion && !options.instant);  // first: labels need a map with a view
    showLayers(step);
    fillPanel(step);
    document.getElementById("story-counter").textContent = "Step " + number + " of " + total;
    var bar = document.getElementById("story-progressbar");
    bar.setAttribute("aria-valuenow", String(number));
    bar.setAttribute("aria-valuetext", "Step " + number + " of " + total);
    bar.firstElementChild.style.width = (100 * number / total) + "%";
    document.getElementById("story-prev").disabled = index === 0;
    document.getElementById("story-first").disabled = index === 0;
    document.getElementById("story-next").disabled = index === total - 1;
    document.getElementById("story-last").disabled = index === total - 1;
    document.body.setAttribute("data-step", String(number));
    document.title = step.title + " (" + number + "/" + total + ") - " + data.title;
    if (location.hash !== "#step-" + number) {
      history.replaceState(null, "", "#step-" + number);
    }
    if (changed) {
      document.getElementById("story-announce").textContent =
        "Step " + number + " of " + total + (step.year ? ", " + step.year : "") + ": " + step.title;
    }
  }

  function fromHash() {
    var match = /^#step-(\d+)$/.exec(location.hash);
    return match ? parseInt(match[1], 10) - 1 : 0;
  }

  var KEYS = {
    ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1, Spacebar: 1,
    ArrowLeft: -1, ArrowUp: -1, PageUp: -1
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    if (event.key === " " && target && target.tagName === "BUTTON") { return; }
    if (KEYS[event.key]) {
      goTo(current + KEYS[event.key]);
    } else if (event.key === "Home") {
      goTo(0);
    } else if (event.key === "End") {
      goTo(total - 1);
    } else {
      return;
    }
    event.preventDefault();
  });
  document.getElementById("story-first").addEventListener("click", function () { goTo(0); });
  document.getElementById("story-prev").addEventListener("click", function () {
    goTo(current - 1); });
  document.getElementById("story-next").addEventListener("click", function () {
    goTo(current + 1); });
  document.getElementById("story-last").addEventListener("click", function () {
    goTo(total - 1); });
  window.addEventListener("hashchange", function () { goTo(fromHash()); });

  /* ------------------------------------------------------------------ print */

  // One page per step: a static SVG map (Web Mercator, fitted to the step's view) with the
  // step's layers and highlights, then the step's text and citations.
  function mercator(lon, lat) {
    var y = Math.log(Math.tan(Math.PI / 4 + Math.max(-85, Math.min(85, lat)) * Math.PI / 360));
    return [lon * Math.PI / 180, y];
  }

  function printBounds(step) {
    if (step.view.bounds) { return step.view.bounds; }
    var span = 360 / Math.pow(2, step.view.zoom);   // about one 256px tile per 360/2^z degrees
    var c = step.view.center;
    return [c[1] - span * 2, c[0] - span, c[1] + span * 2, c[0] + span];
  }

  function printMap(step) {
    var W = 1000, H = 600;
    var b = printBounds(step);
    var lo = mercator(b[0], b[1]), hi = mercator(b[2], b[3]);
    var scale = Math.min(W / (hi[0] - lo[0]), H / (hi[1] - lo[1]));
    var ox = (W - (hi[0] - lo[0]) * scale) / 2, oy = (H - (hi[1] - lo[1]) * scale) / 2;
    function project(p) {
      var m = mercator(p[0], p[1]);
      return [(ox + (m[0] - lo[0]) * scale).toFixed(1), (H - oy - (m[1] - lo[1]) * scale).toFixed(1)];
    }
    function pathOf(rings, close) {
      return rings.map(function (ring) {
        return ring.map(function (p, i) { var q = project(p); return (i ? "L" : "M") + q[0] + " " + q[1]; })
          .join("") + (close ? "Z" : "");
      }).join("");
    }
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("class", "story-print-map");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Map: " + step.title);
    var frame = document.createElementNS(SVG, "rect");
    frame.setAttribute("width", String(W)); frame.setAttribute("height", String(H));
    frame.setAttribute("fill", data.background); frame.setAttribute("stroke", "none");
    svg.appendChild(frame);
    var clipId = "story-clip-" + step.number;
    var defs = document.createElementNS(SVG, "defs");
    var clipPath = document.createElementNS(SVG, "clipPath");
    clipPath.setAttribute("id", clipId);
    var clipRect = document.createElementNS(SVG, "rect");
    clipRect.setAttribute("width", String(W)); clipRect.setAttribute("height", String(H));
    clipPath.appendChild(clipRect);
    defs.appendChild(clipPath);
    svg.appendChild(defs);
    var clip = document.createElementNS(SVG, "g");
    clip.setAttribute("clip-path", "url(#" + clipId + ")");
    step.layers.forEach(function (name) {
      var info = data.layers[name];
      var style = info.style;
      info.features.forEach(function (f) {
        var g = f.geometry;
        var sd = (f.properties || {}).start_date || "";
        var start = /^\d{4}/.test(sd) ? parseInt(sd.slice(0, 4), 10) : null;
        if (!g || !inYear({ start: start }, step)) { return; }
        var on = step.highlight.indexOf((f.properties || {}).id) >= 0;
        var site = siteOf(f);
        var parts = g.type.indexOf("Multi") === 0 ? g.coordinates : [g.coordinates];
        var kind = g.type.replace("Multi", "");
        parts.forEach(function (part) {
          if (kind === "Point") {
            var q = project(part);
            var size = on ? 30 : 18;
            if (site.certainty === "approximate" && site.radius > 0) {
              // radius in Mercator units at this latitude, then in pixels
              var ring = document.createElementNS(SVG, "circle");
              ring.setAttribute("cx", q[0]); ring.setAttribute("cy", q[1]);
              ring.setAttribute("r", String((site.radius / (6378137 *
                Math.cos(part[1] * Math.PI / 180)) * scale).toFixed(1)));
              ring.setAttribute("fill", style.fill); ring.setAttribute("fill-opacity", "0.08");
              ring.setAttribute("stroke", style.color); ring.setAttribute("stroke-width", "2");
              ring.setAttribute("stroke-dasharray", "6 5");
              ring.setAttribute("class", "story-uncertainty");
              clip.appendChild(ring);
            }
            var icon = shapeSvg(style, size, on, pointLook(style, (f.properties || {}).category),
              site.certainty);
            icon.setAttribute("x", String(q[0] - size / 2));
            icon.setAttribute("y", String(q[1] - size / 2));
            clip.appendChild(icon);
            return;
          }
          var path = document.createElementNS(SVG, "path");
          path.setAttribute("d", kind === "Polygon" ? pathOf(part, true) : pathOf([part], false));
          var look = pathStyle(info, f.properties);
          path.setAttribute("fill", kind !== "Polygon" ? "none" : look.fillColor);
          path.setAttribute("fill-opacity", String(look.fillOpacity));
          path.setAttribute("stroke", on ? "#000000" : look.color);
          path.setAttribute("stroke-opacity", String(on ? 1 : look.opacity));
          path.setAttribute("stroke-width", String(look.weight + (on ? 3 : 0)));
          if (look.dashArray) { path.setAttribute("stroke-dasharray", look.dashArray); }
          clip.appendChild(path);
        });
      });
    });
    svg.appendChild(clip);
    var border = document.createElementNS(SVG, "rect");
    border.setAttribute("width", String(W)); border.setAttribute("height", String(H));
    border.setAttribute("fill", "none"); border.setAttribute("stroke", "#000000");
    border.setAttribute("stroke-width", "2");
    svg.appendChild(border);
    return svg;
  }

  function buildPrint() {
    var holder = document.getElementById("story-print");
    holder.replaceChildren();
    steps.forEach(function (step) {
      var section = el("section", "story-print-step");
      section.setAttribute("data-step", String(step.number));
      section.appendChild(el("p", "story-print-counter",
        data.title + " - step " + step.number + " of " + total));
      section.appendChild(el("h2", null, (step.year ? step.year + ": " : "") + step.title));
      section.appendChild(printMap(step));
      var legend = el("p", "story-print-legend",
        "On the map: " + step.layers.map(function (n) { return data.layers[n].title; }).join("; "));
      var vague = siteVariants(step);
      if (vague.approximate || vague.unknown) {
        legend.textContent += ". Hollow, dashed symbols: sites approximate (dashed circle: how " +
          "far off)" + (vague.unknown ? "; \u201c?\u201d: site unknown, within more than " +
          roundKm(circleMax) : "") + ".";
      }
      section.appendChild(legend);
      step.text.split(/\n\s*\n/).forEach(function (para) {
        section.appendChild(el("p", "story-print-text", para.replace(/\s*\n\s*/g, " ")));
      });
      section.appendChild(el("h3", null, "Sources"));
      var list = el("ol", "story-citations");
      step.citations.forEach(function (c) { list.appendChild(citationItem(c)); });
      section.appendChild(list);
      var credits = mapCredits(step);
      if (credits) { section.appendChild(el("p", "story-print-attribution", credits)); }
      holder.appendChild(section);
    });
  }

  buildPrint();

  /* ------------------------------------------------------------------ start */

  window.geomap = window.geomap || {};
  window.geomap.story = {
    map: map,
    total: total,
    current: function () { return current + 1; },
    goTo: function (number) { goTo(number - 1); },
    visibleLayers: function () {
      return layerNames.filter(function (n) { return map.hasLayer(leafletLayers[n]); });
    },
    visibleFeatures: function (name) {
      if (!map.hasLayer(leafletLayers[name])) { return []; }
      return featureLayers[name].filter(function (item) {
        return leafletLayers[name].hasLayer(item.layer);
      }).map(function (item) { return item.id; });
    },
    /** How each shown feature of a layer is drawn in the page: stroke, fill and shape. */
    drawn: function (name) {
      if (!map.hasLayer(leafletLayers[name])) { return []; }
      return featureLayers[name].filter(function (item) {
        return leafletLayers[name].hasLayer(item.layer);
      }).map(function (item) {
        var node = item.isPoint ? item.layer.getElement().querySelector(".story-symbol > *")
          : item.layer.getElement();
        var svg = item.isPoint ? node.parentNode : null;
        return { id: item.id, category: item.props.category || null,
          iso_a2: item.props.iso_a2 || null, certainty: item.site.certainty,
          radius: item.site.radius, note: item.note,
          circle: !!item.circle && circleLayers[name].hasLayer(item.circle),
          mark: item.isPoint ? !!svg.querySelector(".story-symbol-mark") : false,
          label: item.isPoint ? item.layer.getElement().getAttribute("aria-label") : null,
          stroke: node.getAttribute("stroke"), fill: node.getAttribute("fill"),
          dash: node.getAttribute("stroke-dasharray"),
          width: parseFloat(node.getAttribute("stroke-width")),
          shape: svg ? /story-symbol-(\w+)/.exec(svg.getAttribute("class"))[1] : null };
      });
    },
    highlighted: function () {
      var out = [];
      layerNames.forEach(function (n) {
        if (!map.hasLayer(leafletLayers[n])) { return; }
        featureLayers[n].forEach(function (item) {
          if (steps[current].highlight.indexOf(item.id) >= 0 &&
              leafletLayers[n].hasLayer(item.layer)) { out.push(item.id); }
        });
      });
      return out;
    }
  };
  goTo(fromHash(), { instant: true, force: true });
  window.geomap.ready = true;
}());
