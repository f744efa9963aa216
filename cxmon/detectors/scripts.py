"""Scripts the runner evaluates in the page on the detectors' behalf (plain JavaScript text)."""

from __future__ import annotations

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
  return {
    url: location.href, title: document.title, text,
    error_selector_hits: hits(cfg.error_selectors), decline_selector_hits: hits(cfg.decline_selectors),
    invalid_fields: invalid, alerts, timings,
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
  const out = {element: describe(el), reason: null, covered_by: null};
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
