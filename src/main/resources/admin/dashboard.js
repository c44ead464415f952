// The Nexus dashboard: polls GET /admin/summary with the admin token and draws the numbers and charts.
// No library and no external asset: the admin port's Content-Security-Policy allows only this origin.
'use strict';
(function () {
  const POLL_MS = 2000;
  const TOKEN_KEY = 'nexus-admin-token';
  const $ = (id) => document.getElementById(id);
  const state = { token: null, timer: null, last: null, polls: 0 };
  window.nexusDashboard = state; // read by the browser test

  function takeTokenFromHash() {
    const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname); // keep the token out of the address bar
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  const fmt = {
    rate: (v) => (v === null || v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1)),
    pct: (v) => (v === null || v === undefined ? '–' : (v * 100).toFixed(v < 0.1 ? 2 : 1) + ' %'),
    ms: (v) => (v === null || v === undefined ? '–' : v >= 100 ? v.toFixed(0) + ' ms' : v.toFixed(1) + ' ms'),
    int: (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en')),
    bytes: (v) => {
      if (!v) return '0 B';
      const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let i = 0;
      while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
      return v.toFixed(i ? 1 : 0) + ' ' + u[i];
    },
  };

  // A line chart on a canvas: series = [{values, color}], values may hold nulls (gaps).
  function chart(canvas, series, opts) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 300;
    const h = canvas.clientHeight || 90;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    let max = opts && opts.max ? opts.max : 0;
    let points = 0;
    for (const s of series) {
      for (const v of s.values) {
        if (v !== null && v !== undefined) { points++; if (!(opts && opts.max) && v > max) max = v; }
      }
    }
    if (max <= 0) max = 1;
    const pad = { l: 4, r: 4, t: 14, b: 4 };
    const iw = w - pad.l - pad.r;
    const ih = h - pad.t - pad.b;
    g.strokeStyle = '#2a323c';
    g.lineWidth = 1;
    for (let i = 0; i <= 2; i++) {
      const y = pad.t + (ih * i) / 2 + 0.5;
      g.beginPath(); g.moveTo(pad.l, y); g.lineTo(w - pad.r, y); g.stroke();
    }
    g.fillStyle = '#7d8995';
    g.font = '10px system-ui, sans-serif';
    g.fillText((opts && opts.label ? opts.label(max) : max.toFixed(1)), pad.l + 2, 10);
    for (const s of series) {
      const n = s.values.length;
      if (n === 0) continue;
      g.strokeStyle = s.color;
      g.lineWidth = 1.5;
      g.beginPath();
      let drawing = false;
      s.values.forEach((v, i) => {
        if (v === null || v === undefined) { drawing = false; return; }
        const x = pad.l + (n === 1 ? iw : (iw * i) / (n - 1));
        const y = pad.t + ih - (Math.min(v, max) / max) * ih;
        if (!drawing) { g.moveTo(x, y); drawing = true; } else { g.lineTo(x, y); }
      });
      g.stroke();
    }
    canvas.dataset.points = String(points);
    canvas.dataset.max = String(max);
  }

  const cards = new Map();

  function card(name) {
    let c = cards.get(name);
    if (c) return c;
    const root = el('article', 'service');
    root.dataset.service = name;
    const head = el('div', 'head');
    head.append(el('h3', null, name));
    const avail = el('span', 'badge');
    avail.dataset.testid = 'availability';
    const breaker = el('span', 'badge');
    breaker.dataset.testid = 'breaker';
    head.append(avail, breaker);
    const numbers = el('div', 'numbers');
    const fields = {};
    for (const [key, label] of [['rps', 'req/s'], ['err', 'errors'], ['p50', 'p50'], ['p99', 'p99'], ['inflight', 'in flight'], ['total', 'requests']]) {
      const d = el('div', null, label);
      const b = el('b', null, '–');
      b.dataset.testid = key;
      d.prepend(b);
      numbers.append(d);
      fields[key] = b;
    }
    const charts = el('div', 'charts');
    const mk = (title, legend) => {
      const f = el('figure');
      const cv = el('canvas', 'chart');
      const cap = el('figcaption');
      cap.append(title + ' ');
      if (legend) legend.forEach(([cls, t]) => cap.append(el('span', cls, t + ' ')));
      f.append(cv, cap);
      charts.append(f);
      return cv;
    };
    const rpsChart = mk('request rate');
    rpsChart.dataset.chart = 'rps';
    const errChart = mk('error rate');
    errChart.dataset.chart = 'errors';
    const latChart = mk('latency', [['legend-a', 'p50'], ['legend-b', 'p99']]);
    latChart.dataset.chart = 'latency';
    const inst = el('div', 'instances');
    root.append(head, numbers, charts, inst);
    $('services').append(root);
    c = { root, avail, breaker, fields, rpsChart, errChart, latChart, inst };
    cards.set(name, c);
    return c;
  }

  function render(s) {
    let totalRps = 0;
    let totalReq = 0;
    let total5xx = 0;
    let windowReq = 0;
    let windowErr = 0;
    for (const svc of s.services) {
      if (svc.name === 'unmatched' && svc.requests_total === 0) continue;
      totalRps += svc.rps || 0;
      totalReq += svc.requests_total;
      total5xx += svc.server_errors_total;
      if (svc.error_ratio !== null && svc.rps) { windowReq += svc.rps; windowErr += svc.rps * svc.error_ratio; }
      const c = card(svc.name);
      const h = (s.history.services[svc.name]) || { rps: [], error_ratio: [], p50_ms: [], p99_ms: [] };
      c.fields.rps.textContent = fmt.rate(svc.rps);
      c.fields.err.textContent = fmt.pct(svc.error_ratio);
      c.fields.p50.textContent = fmt.ms(svc.p50_ms);
      c.fields.p99.textContent = fmt.ms(svc.p99_ms);
      c.fields.inflight.textContent = fmt.int(svc.in_flight);
      c.fields.total.textContent = fmt.int(svc.requests_total);
      if (svc.available === undefined) {
        c.avail.textContent = 'no service';
        c.avail.className = 'badge';
        c.breaker.hidden = true;
      } else {
        c.avail.textContent = svc.available ? 'available' : 'unavailable';
        c.avail.className = 'badge ' + (svc.available ? 'ok' : 'bad');
        c.breaker.textContent = 'breaker: ' + (svc.breaker === 'none' ? 'not configured' : svc.breaker.replace('_', '-'));
        c.breaker.className = 'badge ' + (svc.breaker === 'open' ? 'bad' : svc.breaker === 'half_open' ? 'warn' : svc.breaker === 'closed' ? 'ok' : '');
        c.inst.replaceChildren();
        for (const i of svc.instances || []) {
          const span = el('span');
          span.append(el('span', 'dot ' + (i.healthy ? 'ok' : 'bad')), i.address + (i.healthy ? ' up' : ' down') + '   ');
          c.inst.append(span);
        }
      }
      chart(c.rpsChart, [{ values: h.rps, color: '#58a6ff' }], { label: (m) => fmt.rate(m) + '/s' });
      chart(c.errChart, [{ values: h.error_ratio, color: '#f85149' }], { max: Math.max(0.05, ...h.error_ratio.filter((v) => v !== null)), label: fmt.pct });
      chart(c.latChart, [{ values: h.p50_ms, color: '#58a6ff' }, { values: h.p99_ms, color: '#f0883e' }], { label: fmt.ms });
    }
    $('t-rps').textContent = fmt.rate(totalRps);
    $('t-err').textContent = windowReq > 0 ? fmt.pct(windowErr / windowReq) : fmt.pct(totalReq ? total5xx / totalReq : null);
    $('t-req').textContent = fmt.int(totalReq);
    const cache = s.cache;
    if (cache.configured) {
      $('t-hit').textContent = fmt.pct(cache.hit_ratio);
      $('t-hit-sub').textContent = fmt.int(cache.hits_total) + ' hits, ' + fmt.int(cache.misses_total) + ' misses';
      $('t-size').textContent = fmt.int(cache.l1_entries + cache.l2_entries);
      $('t-size-sub').textContent = 'L1 ' + fmt.bytes(cache.l1_bytes) + ', L2 ' + fmt.bytes(cache.l2_bytes);
    } else {
      $('t-hit').textContent = cache.hit_ratio === null ? '–' : fmt.pct(cache.hit_ratio);
      $('t-hit-sub').textContent = 'no cache configured';
      $('t-size').textContent = '0';
      $('t-size-sub').textContent = 'no cache configured';
    }
    chart($('cache-chart'), [{ values: s.history.cache_hit_ratio, color: '#3fb950' }], { max: 1, label: fmt.pct });
    $('t-rl').textContent = fmt.int(s.rate_limit_rejections_total);
    $('t-errors').textContent = fmt.int(s.errors_total);
    const rows = $('errors');
    rows.replaceChildren();
    for (const e of s.recent_errors) {
      const tr = el('tr');
      for (const v of [e.time.replace('T', ' ').replace('Z', ''), e.status, e.code, e.route, e.method, e.path, e.request_id]) {
        tr.append(el('td', null, String(v)));
      }
      rows.append(tr);
    }
    if (!s.recent_errors.length) {
      const tr = el('tr');
      const td = el('td', 'muted', 'none');
      td.colSpan = 7;
      tr.append(td);
      rows.append(tr);
    }
    $('updated').textContent = 'updated ' + new Date(s.time).toLocaleTimeString() + ' · up ' + s.uptime_seconds + ' s';
  }

  function setState(text, cls) {
    const s = $('state');
    s.textContent = text;
    s.className = 'state ' + (cls || '');
  }

  async function poll() {
    try {
      const r = await fetch('/admin/summary', { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' });
      if (r.status === 401 || r.status === 403) {
        sessionStorage.removeItem(TOKEN_KEY);
        state.token = null;
        const body = await r.json().catch(() => null);
        showLogin(body && body.error ? body.error.message : 'The token was refused.');
        return;
      }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const s = await r.json();
      state.last = s;
      state.polls++;
      $('main').hidden = false;
      render(s);
      setState('live', 'live');
    } catch (e) {
      setState('no connection', 'down');
    }
    state.timer = setTimeout(poll, POLL_MS);
  }

  function showLogin(message) {
    clearTimeout(state.timer);
    $('login').hidden = false;
    $('main').hidden = true;
    setState(message || 'token needed', 'down');
  }

  function start() {
    state.token = takeTokenFromHash();
    $('login').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = $('token').value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      state.token = t;
      $('login').hidden = true;
      poll();
    });
    if (!state.token) {
      showLogin();
      return;
    }
    poll();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
