"""Scripts the runner evaluates in the page on the detectors' behalf (plain JavaScript text)."""

from __future__ import annotations

import json

from cxmon.detectors.signals import selectors

# Installed in every page before its scripts run. LCP stops updating after the first input and
# layout shifts right after input do not count, so cxmon reads both per page, before acting.
WEB_VITALS_INIT = """
(() => {
  if (window.__cxmonVitals) return;
  const v = window.__cxmonVitals = {lcp: null, cls: 0};
  try {
    new PerformanceObserver((list) => {
      const entries = list.getEntries();
      if (entries.length) v.lcp = entries[entries.length - 1].startTime;
    }).observe({type: 'largest-contentful-paint', buffered: true});
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) v.cls += e.value;
    }).observe({type: 'layout-shift', buffered: true});
  } catch (e) { /* an old engine without these entry types: no vitals */ }
})();
"""

# Installed beside the web vitals: records when each alert, live-region message or toast (the
# selectors of selectors.yml) appeared or changed, so the snapshot can tell a message raised in
# answer to the step's action from one that was on the page before it.
MESSAGE_WATCH_INIT = """
(() => {
  if (window.__cxmonMessages) return;
  const SEL = __SELECTORS__;
  const seen = window.__cxmonMessages = [];
  const record = (el) => {
    const now = Date.now();
    const known = seen.find((r) => r.el === el);
    if (known) { known.t = now; return; }
    if (seen.length > 200) seen.shift();
    seen.push({el, t: now});
  };
  const added = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el) return;
    try {
      const box = el.closest(SEL);
      if (box) { record(box); return; }
      for (const inner of el.querySelectorAll(SEL)) record(inner);
    } catch (e) { /* a selector this engine does not know */ }
  };
  // Watched from DOMContentLoaded on: while the parser builds the page every node would be a
  // mutation to look at; what the parsed page holds is recorded once, when it is parsed.
  const watch = () => {
    try { for (const box of document.querySelectorAll(SEL)) record(box); } catch (e) { /* unknown selector */ }
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        if (m.type === 'childList') m.addedNodes.forEach(added);
        else added(m.target);
      }
    }).observe(document, {childList: true, subtree: true, characterData: true});
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch, {once: true});
  else watch();
})();
""".replace("__SELECTORS__", json.dumps(", ".join((*selectors()["message_alert"], *selectors()["message_status"]))))

# Reads the facts every detector needs in one round trip: text, error/decline markers, invalid
# form fields, alerts and the document's timings.
PAGE_SNAPSHOT = """
(cfg) => {
  const text = (document.body ? document.body.innerText : '').slice(0, cfg.max_text);
  const hits = (selectors) => selectors.filter((s) => {
    try { return !!document.querySelector(s); } catch (e) { return false; }
  });
  const describe = (el) => {
    const lbl = (el.labels && el.labels[0] && el.labels[0].innerText) || el.getAttribute('aria-label')
      || el.getAttribute('name') || el.id || el.tagName.toLowerCase();
    let msg = '';
    const ids = (el.getAttribute('aria-describedby') || '') + ' ' + (el.getAttribute('aria-errormessage') || '');
    for (const id of ids.split(/\\s+/).filter(Boolean)) {
      const m = document.getElementById(id);
      if (m && m.innerText.trim()) { msg = m.innerText.trim(); break; }
    }
    if (!msg && el.validationMessage) msg = el.validationMessage;
    return {field: lbl.trim().slice(0, 80), message: msg.slice(0, 200)};
  };
  const invalid = [...document.querySelectorAll('[aria-invalid="true"]')].map(describe);
  for (const s of cfg.validation_selectors) {
    try {
      for (const m of document.querySelectorAll(s)) {
        if (m.innerText.trim()) invalid.push({field: '', message: m.innerText.trim().slice(0, 200)});
      }
    } catch (e) { /* a bad selector from a scenario: ignored here, reported by validation */ }
  }
  const alerts = [...document.querySelectorAll('[role="alert"], [aria-live="assertive"]')]
    .map((a) => a.innerText.trim()).filter(Boolean).map((t) => t.slice(0, 200));
  const timings = {};
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav) {
    if (nav.responseStart > 0) timings.ttfb = nav.responseStart / 1000;
    if (nav.domContentLoadedEventEnd > 0) timings.dom_content_loaded = nav.domContentLoadedEventEnd / 1000;
    if (nav.loadEventEnd > 0) timings.load = nav.loadEventEnd / 1000;
  }
  const v = window.__cxmonVitals;
  if (v && v.lcp !== null) timings.lcp = v.lcp / 1000;
  if (v) timings.cls = v.cls;
  const shown = (el) => {
    try { return el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}); } catch (e) { return true; }
  };
  const matches = (el, sels) => sels.find((s) => { try { return el.matches(s); } catch (e) { return false; } });
  // Messages: the outermost matches only, each marked new when it (or a part) appeared since the step began.
  const records = window.__cxmonMessages || [];
  const boxes = [];
  for (const s of [...cfg.alert_selectors, ...cfg.status_selectors]) {
    try {
      for (const el of document.querySelectorAll(s)) if (!boxes.includes(el)) boxes.push(el);
    } catch (e) { /* unknown selector */ }
  }
  const messages = [];
  for (const el of boxes) {
    if (boxes.some((o) => o !== el && o.contains(el)) || !shown(el)) continue;
    const t = (el.innerText || '').trim().replace(/\\s+/g, ' ');
    if (!t) continue;
    let alertBy = matches(el, cfg.alert_selectors);
    for (const s of alertBy ? [] : cfg.alert_selectors) {
      try { if (el.querySelector(s)) { alertBy = s; break; } } catch (e) { /* unknown selector */ }
    }
    const fresh = records.some((r) => r.t >= cfg.since && (el.contains(r.el) || r.el.contains(el)));
    messages.push({text: t.slice(0, 300), role: alertBy ? 'alert' : 'status', new: fresh,
                   source: alertBy || matches(el, cfg.status_selectors) || ''});
    if (messages.length >= 20) break;
  }
  // schema.org availability and product name, from JSON-LD and microdata.
  const availability = [];
  let product = '';
  const last = (x) => String(x || '').split('/').pop().trim();
  const walk = (node) => {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (!node || typeof node !== 'object') return;
    const type = [].concat(node['@type'] || []).map(String);
    if (!product && type.includes('Product') && node.name) product = String(node.name);
    if (node.availability) availability.push(last(node.availability['@id'] || node.availability));
    for (const k of Object.keys(node)) if (k !== 'availability') walk(node[k]);
  };
  for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
    try { walk(JSON.parse(s.textContent)); } catch (e) { /* malformed JSON-LD */ }
  }
  for (const el of document.querySelectorAll('[itemprop="availability"]')) {
    availability.push(last(el.getAttribute('href') || el.getAttribute('content') || el.textContent));
  }
  if (!product) {
    const n = document.querySelector('[itemtype*="schema.org/Product"] [itemprop="name"]');
    if (n) product = (n.getAttribute('content') || n.textContent || '').trim();
  }
  // What the page is: its title, main heading, landmarks and forms.
  const h = document.querySelector('h1, [role="heading"][aria-level="1"]') || document.querySelector('h2');
  const landmarks = [...document.querySelectorAll(
    'main, nav, header, footer, aside, [role="main"], [role="navigation"], [role="banner"], '
    + '[role="contentinfo"], [role="search"]'
  )].map((el) => (el.getAttribute('role') || el.tagName.toLowerCase())
      + (el.getAttribute('aria-label') ? ' ' + el.getAttribute('aria-label') : '')).slice(0, 20);
  const forms = [...document.querySelectorAll('form')].map((f) =>
    f.getAttribute('aria-label') || f.getAttribute('name') || f.id
    || (f.getAttribute('action') || '').split('?')[0] || 'form'
  ).slice(0, 10);
  const signal_hits = {};
  for (const [cat, sels] of Object.entries(cfg.signal_selectors)) {
    const found = sels.filter((s) => {
      try {
        return [...document.querySelectorAll(s)].some((el) => cat === 'challenge' || shown(el));
      } catch (e) { return false; }
    });
    if (found.length) signal_hits[cat] = found;
  }
  return {
    url: location.href, title: document.title, text,
    error_selector_hits: hits(cfg.error_selectors), decline_selector_hits: hits(cfg.decline_selectors),
    invalid_fields: invalid, alerts, timings,
    lang: document.documentElement.lang || '', messages, availability, product: product.slice(0, 200),
    identity: {title: document.title, heading: h ? (h.innerText || h.textContent || '').trim().slice(0, 200) : '',
               landmarks, forms},
    signal_hits,
  };
}
"""

# What a customer could do with an action element: present, visible, sized, in the viewport after
# scrolling, enabled, and not covered by another element at the point a finger or mouse would hit.
ACTION_PROBE = """
(el) => {
  const describe = (n) => {
    if (!n || !n.tagName) return '';
    let d = n.tagName.toLowerCase();
    if (n.id) d += '#' + n.id;
    if (n.classList && n.classList.length) d += '.' + [...n.classList].slice(0, 3).join('.');
    const t = (n.innerText || n.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 80);
    return t ? d + ' "' + t + '"' : d;
  };
  // The page the element is on, read the way the page snapshot reads it (title, main heading).
  const h = document.querySelector('h1, [role="heading"][aria-level="1"]') || document.querySelector('h2');
  const page = {title: document.title, heading: h ? (h.innerText || h.textContent || '').trim().slice(0, 200) : ''};
  const out = {element: describe(el), reason: null, covered_by: null, page};
  if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) {
    out.reason = 'hidden';
    return out;
  }
  el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
  const r = el.getBoundingClientRect();
  out.width = r.width; out.height = r.height;
  out.x = r.left; out.y = r.top;
  out.viewport = {width: window.innerWidth, height: window.innerHeight};
  if (r.width < 1 || r.height < 1) { out.reason = 'zero_size'; return out; }
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  if (cx < 0 || cy < 0 || cx > window.innerWidth || cy > window.innerHeight) {
    out.reason = 'offscreen'; return out;
  }
  if (el.disabled || el.getAttribute('aria-disabled') === 'true' || el.closest('fieldset:disabled')) {
    out.reason = 'disabled'; return out;
  }
  const top = document.elementFromPoint(cx, cy);
  if (top && top !== el && !el.contains(top) && !(el.labels && [...el.labels].some((l) => l.contains(top)))) {
    out.reason = 'covered'; out.covered_by = describe(top);
  }
  return out;
}
"""

# Marks inputs holding a secret value so screenshots can mask them.
MARK_SECRET_INPUTS = """
(secrets) => {
  let n = 0;
  for (const el of document.querySelectorAll('input, textarea')) {
    if (el.value && secrets.some((s) => el.value.includes(s))) {
      el.setAttribute('data-cxmon-secret', ''); n++;
    }
  }
  return n;
}
"""

# Where a customer would click a control that is drawn by a styled stand-in (a cover over it, or
# its own label when the native control is invisible), and a marker that later tells whether the
# click reached the control. ``null`` when nothing but the control's own container is there.
STAND_IN_POINT = """
(el) => {
  const describe = (n) => {
    if (!n || !n.tagName) return '';
    let d = n.tagName.toLowerCase();
    if (n.id) d += '#' + n.id;
    if (n.classList && n.classList.length) d += '.' + [...n.classList].slice(0, 3).join('.');
    return d;
  };
  const seen = (n) => n.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const box = (n) => { const r = n.getBoundingClientRect(); return r.width >= 1 && r.height >= 1 ? r : null; };
  const inView = (x, y) => x >= 0 && y >= 0 && x <= window.innerWidth && y <= window.innerHeight;
  el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
  let point = null;
  const r = box(el);
  if (r) {
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const top = inView(x, y) ? document.elementFromPoint(x, y) : null;
    // A click on the control's own container is a click on nothing a customer can see.
    if (top && !top.contains(el)) point = {x, y, cover: describe(top)};
  }
  if (!point && el.labels) {
    const label = [...el.labels].find((l) => seen(l) && box(l));
    if (label) {
      label.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
      const lr = label.getBoundingClientRect();
      const x = lr.left + Math.min(lr.width / 2, 12), y = lr.top + lr.height / 2;
      if (inView(x, y)) point = {x, y, cover: describe(label)};
    }
  }
  if (!point) return null;
  point.checked = !!el.checked;
  el.__cxmonReached = false;
  el.addEventListener('click', () => { el.__cxmonReached = true; }, {capture: true, once: true});
  return point;
}
"""

# What the click on a stand-in did to the control: whether a click reached it, and its state.
STAND_IN_EFFECT = """
(el) => ({reached: !!el.__cxmonReached, checked: !!el.checked})
"""

# How many of a locator's matches a customer can see.
COUNT_VISIBLE = """
(els) => els.filter((el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})).length
"""

# Whether the page has a chooser of payment methods: a group of radio buttons (two or more with
# one name, or an ARIA radiogroup) or a tab list. A shop with one method has none of these.
METHOD_CHOOSER = """
() => {
  const groups = new Map();
  for (const r of document.querySelectorAll('input[type="radio"]')) {
    if (r.name) groups.set(r.name, (groups.get(r.name) || 0) + 1);
  }
  if ([...groups.values()].some((n) => n >= 2)) return true;
  const many = (sel, item) => [...document.querySelectorAll(sel)].some((g) => g.querySelectorAll(item).length >= 2);
  return many('[role="radiogroup"]', '[role="radio"], input[type="radio"]') || many('[role="tablist"]', '[role="tab"]');
}
"""
