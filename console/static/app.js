// Tandem operations console. Plain browser JavaScript, no dependencies: everything it
// shows comes from the supergraph (same origin) and from <base>/api/series (charts).
'use strict';
(() => {
  const GRAPHQL = document.body.dataset.graphql;
  const BASE = document.body.dataset.base;
  const TOKEN_KEY = 'tandem.console.token';
  const POLL_MS = 2000;
  const $ = (sel, root = document) => root.querySelector(sel);

  /** createElement with attributes and children (strings become text, never HTML). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k === 'style') Object.assign(node.style, v); // CSSOM, allowed by the CSP (style attributes are not)
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  function svgEl(tag, attrs = {}) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  // ---- authentication: a bearer token kept in this browser -------------------------------
  const token = () => localStorage.getItem(TOKEN_KEY) || '';
  function authHeaders() {
    const t = token();
    return t ? { authorization: `Bearer ${t}` } : {};
  }
  $('#login').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $('#token').value.trim();
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
    $('#token').value = '';
    showLogin();
    feed.restart();
    refresh();
  });
  /** The roles a token names (its `roles` claim; the signature is the gateway's business). */
  function roles() {
    try {
      const payload = token().split('.')[1];
      return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))).roles || [];
    } catch {
      return [];
    }
  }
  const canReplay = () => roles().includes('admin');
  function showLogin() {
    $('#login').classList.toggle('signed-in', !!token());
    $('#token').placeholder = token() ? 'token set (paste another to change)' : 'paste the token npm start printed';
  }

  // ---- GraphQL over fetch -----------------------------------------------------------------
  async function gql(query, variables) {
    const res = await fetch(GRAPHQL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
    let body;
    try {
      body = await res.json();
    } catch {
      throw new Error(`the gateway answered HTTP ${res.status}`);
    }
    if (!body.data && body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body;
  }

  function showError(message) {
    const banner = $('#error');
    banner.hidden = !message;
    banner.textContent = message || '';
  }

  // ---- formatting --------------------------------------------------------------------------
  const fmtMs = (ms) => (ms === null || ms === undefined ? '–' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
  const fmtPct = (r) => `${(r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0)}%`;
  const fmtMoney = (m) => `${Number(m.amount).toLocaleString(undefined, { maximumFractionDigits: 0 })} ${m.currency}`;
  function fmtAge(iso) {
    const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 60) return `${Math.round(s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
  function fmtSeconds(s) {
    if (s === null || s === undefined) return '–';
    if (s < 120) return `${Math.round(s)} s`;
    if (s < 7200) return `${Math.round(s / 60)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  }

  // ---- overview: tiles, KPIs, backlog --------------------------------------------------------
  const ROW = 'id workflow status createdAt finishedAt traceId error { code message remediation }';
  const OVERVIEW = `query ConsoleOverview {
    integrationHealth { system status circuit latencyP50Ms errorRate calls probeLatencyMs reason }
    operationalMetrics { opportunitiesAwaitingProject invoicesBlocked unbilledAmount { amount currency } syncBacklog deadLettered outboxDepth oldestPendingSeconds }
    dead: syncTransactions(status: DEAD_LETTERED, first: 25) { totalCount edges { node { ${ROW} } } }
    failed: syncTransactions(status: FAILED, first: 25) { totalCount edges { node { ${ROW} } } }
    compensated: syncTransactions(status: COMPENSATED, first: 10) { totalCount edges { node { ${ROW} } } }
  }`;
  /** transactions replayed from this page: kept in the list, refreshed until they finish */
  const watched = new Map();

  function renderTiles(systems) {
    const box = $('#systems');
    box.replaceChildren(
      ...systems.map((s) =>
        el(
          'article',
          { class: `tile status-${s.status}`, dataset: { system: s.system, status: s.status } },
          el('header', {}, el('h3', {}, s.system), el('span', { class: `badge ${s.status}` }, s.status)),
          el(
            'dl',
            {},
            el('dt', {}, 'Probe latency'), el('dd', {}, fmtMs(s.probeLatencyMs)),
            el('dt', {}, 'Calls p50 (5 min)'), el('dd', {}, fmtMs(s.latencyP50Ms)),
            el('dt', {}, 'Error rate (5 min)'), el('dd', {}, `${fmtPct(s.errorRate)} of ${s.calls}`),
            el('dt', {}, 'Circuit'), el('dd', {}, s.circuit),
          ),
          s.reason ? el('p', { class: 'reason' }, s.reason) : null,
        ),
      ),
    );
  }

  function renderKpis(m) {
    const kpi = (label, value, level) => el('div', { class: `kpi ${level || ''}` }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));
    $('#kpis').replaceChildren(
      kpi('Opportunities awaiting a project', m.opportunitiesAwaitingProject, m.opportunitiesAwaitingProject > 0 ? 'warn' : ''),
      kpi('Invoices blocked', m.invoicesBlocked, m.invoicesBlocked > 0 ? 'bad' : ''),
      el('div', { class: 'kpi money' }, el('div', { class: 'value' }, ...(m.unbilledAmount.length ? m.unbilledAmount.map((a) => el('div', {}, fmtMoney(a))) : ['0'])), el('div', { class: 'label' }, 'Unbilled (approved time)')),
      kpi('Sync backlog', m.syncBacklog, m.syncBacklog > 50 ? 'warn' : ''),
      kpi('Dead letters', m.deadLettered, m.deadLettered > 0 ? 'bad' : ''),
      kpi('Outbox depth', m.outboxDepth),
      kpi('Oldest pending work', fmtSeconds(m.oldestPendingSeconds), m.oldestPendingSeconds > 300 ? 'warn' : ''),
    );
  }

  const REPLAYABLE = new Set(['DEAD_LETTERED', 'FAILED', 'COMPENSATED']);

  function workRow(tx) {
    const problem = tx.error
      ? [el('div', {}, el('code', {}, tx.error.code), ' ', tx.error.message), tx.error.remediation ? el('div', { class: 'remedy' }, tx.error.remediation) : null]
      : [el('span', { class: 'muted' }, tx.status === 'SUCCEEDED' ? 'done' : 'in progress')];
    const button = el(
      'button',
      { class: 'replay', type: 'button', disabled: !REPLAYABLE.has(tx.status) || !canReplay(), title: canReplay() ? null : 'Replay needs an admin token', onclick: () => replay(tx.id) },
      'Replay',
    );
    return el(
      'tr',
      { dataset: { tx: tx.id, status: tx.status } },
      el('td', {}, el('span', { class: `st ${tx.status}` }, tx.status)),
      el('td', {}, el('a', { href: `#/tx/${tx.id}` }, tx.workflow)),
      el('td', {}, ...problem),
      el('td', { class: 'muted age', title: tx.createdAt }, fmtAge(tx.createdAt)),
      el('td', {}, button),
    );
  }

  let workSignature = '';
  function renderWork(lists) {
    const seen = new Set();
    const rows = [];
    for (const tx of [...watched.values(), ...lists]) {
      if (seen.has(tx.id)) continue;
      seen.add(tx.id);
      rows.push(tx);
    }
    const body = $('#work tbody');
    // rebuild only when a row came, went or changed: a click on a Replay button must not lose its button
    const signature = rows.map((tx) => `${tx.id}:${tx.status}:${tx.error?.code ?? ''}`).join('|');
    if (signature === workSignature) {
      for (const tx of rows) {
        const age = body.querySelector(`tr[data-tx="${tx.id}"] td.age`);
        if (age) age.textContent = fmtAge(tx.createdAt);
      }
      return;
    }
    workSignature = signature;
    const before = new Map([...body.querySelectorAll('tr[data-tx]')].map((tr) => [tr.dataset.tx, tr.dataset.status]));
    body.replaceChildren(
      ...(rows.length ? rows.map((tx) => {
        const tr = workRow(tx);
        if (before.has(tx.id) && before.get(tx.id) !== tx.status) tr.classList.add('flash');
        return tr;
      }) : [el('tr', { class: 'empty' }, el('td', { colspan: 5, class: 'muted' }, 'Nothing waiting.'))]),
    );
  }

  async function replay(id) {
    const button = $(`tr[data-tx="${id}"] button.replay`);
    if (button) button.disabled = true;
    try {
      const res = await gql(`mutation ConsoleReplay($id: ID!) { replaySyncTransaction(id: $id) { ${ROW} } }`, { id });
      if (res.errors) throw new Error(res.errors.map((e) => e.message).join('; '));
      watched.set(id, res.data.replaySyncTransaction);
      showError('');
      await refresh();
    } catch (err) {
      showError(`Replay failed: ${err.message}`);
      if (button) button.disabled = false;
    }
  }

  let refreshing = false;
  async function refresh() {
    if (refreshing || location.hash.startsWith('#/tx/')) return;
    refreshing = true;
    try {
      const ids = [...watched.keys()];
      const watchQuery = ids.length
        ? `query ConsoleWatched(${ids.map((_, i) => `$w${i}: ID!`).join(', ')}) { ${ids.map((_, i) => `w${i}: syncTransaction(id: $w${i}) { ${ROW} }`).join(' ')} }`
        : null;
      const [overview, watchedRes] = await Promise.all([
        gql(OVERVIEW),
        watchQuery ? gql(watchQuery, Object.fromEntries(ids.map((id, i) => [`w${i}`, id]))) : null,
      ]);
      const d = overview.data;
      if (!d.integrationHealth || !d.operationalMetrics || !d.dead) {
        showError(`Sign in: paste a staff token (admin to replay) in the Token field. ${(overview.errors || []).map((e) => e.message).join('; ')}`);
        return;
      }
      if (watchedRes?.data) ids.forEach((id, i) => watchedRes.data[`w${i}`] && watched.set(id, watchedRes.data[`w${i}`]));
      renderTiles(d.integrationHealth);
      renderKpis(d.operationalMetrics);
      const nodes = (c) => c.edges.map((e) => e.node);
      renderWork([...nodes(d.dead), ...nodes(d.failed), ...nodes(d.compensated)]);
      $('#work-count').textContent = `(${d.dead.totalCount} dead-lettered, ${d.failed.totalCount} retrying, ${d.compensated.totalCount} compensated)`;
      $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
      showError(overview.errors ? overview.errors.map((e) => e.message).join('; ') : '');
    } catch (err) {
      showError(`Cannot reach the gateway: ${err.message}`);
    } finally {
      refreshing = false;
    }
  }

  // ---- charts (hand-drawn SVG) -----------------------------------------------------------
  function drawChart(svg, series, options) {
    const W = 600, H = 160, L = 36, B = 18, T = 6;
    // the window: the last hour, or less while there is less data (at least 5 minutes)
    const first = Math.min(...series.flatMap((s) => s.points.map((p) => p.t)), Date.now());
    const now = Date.now(), from = now - Math.min(3600_000, Math.max(60_000, now - first));
    // (a minute at least: a new console shows its first minute, then grows to the hour)
    const max = Math.max(options.minMax, ...series.flatMap((s) => s.points.map((p) => p.y).filter((y) => y !== null)));
    const x = (t) => L + ((t - from) / (now - from)) * (W - L - 4);
    const y = (v) => T + (1 - v / max) * (H - T - B);
    svg.replaceChildren();
    for (const f of [0, 0.5, 1]) {
      svg.append(svgEl('line', { class: 'grid', x1: L, x2: W, y1: y(max * f), y2: y(max * f) }));
      const label = svgEl('text', { class: 'axis', x: 2, y: y(max * f) + 3 });
      label.textContent = max * f >= 10 ? Math.round(max * f) : (max * f).toFixed(1);
      svg.append(label);
    }
    const ago = (ms) => (ms >= 120_000 ? `-${Math.round(ms / 60_000)} min` : `-${Math.round(ms / 1000)} s`);
    for (const [i, text] of [ago(now - from), ago((now - from) / 2), 'now'].entries()) {
      const t = svgEl('text', { class: 'axis', x: L + (i / 2) * (W - L - 40), y: H - 4 });
      t.textContent = text;
      svg.append(t);
    }
    for (const s of series) {
      const pts = s.points.filter((p) => p.y !== null && p.t >= from);
      if (pts.length === 0) continue;
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
      if (s.area) svg.append(svgEl('path', { class: 'area', d: `${d} L${x(pts.at(-1).t).toFixed(1)},${y(0)} L${x(pts[0].t).toFixed(1)},${y(0)} Z` }));
      svg.append(svgEl('path', { class: `line ${s.cls || ''}`, d }));
    }
  }

  async function refreshCharts() {
    try {
      const res = await fetch(`${BASE}/api/series`, { headers: authHeaders() });
      const { points } = await res.json();
      drawChart($('#chart-rps'), [{ points: points.map((p) => ({ t: p.t, y: p.rps })), area: true }], { minMax: 1 });
      drawChart(
        $('#chart-latency'),
        [
          { points: points.map((p) => ({ t: p.t, y: p.p50Ms })) },
          { points: points.map((p) => ({ t: p.t, y: p.p95Ms })), cls: 'p95' },
        ],
        { minMax: 5 },
      );
    } catch {
      // the next round tries again
    }
  }

  // ---- live feed: graphql-ws (graphql-transport-ws protocol), by hand ---------------------------
  const FEED_QUERY = 'subscription ConsoleInvoiceFeed { invoiceStatusChanged { id number status balance { amount currency } total { amount currency } customer { name } } }';
  const feed = (() => {
    let ws = null;
    let retry = 1000;
    let timer = null;
    const state = (text) => ($('#feed-state').textContent = text);
    function connect() {
      clearTimeout(timer);
      const url = new URL(GRAPHQL, location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const socket = new WebSocket(url, 'graphql-transport-ws');
      ws = socket;
      socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: token() ? { authorization: `Bearer ${token()}` } : {} }));
      socket.onmessage = (event) => {
        const msg = JSON.parse(event.data);
        if (msg.type === 'connection_ack') {
          retry = 1000;
          state('Listening for invoice status changes…');
          socket.send(JSON.stringify({ id: 'invoices', type: 'subscribe', payload: { query: FEED_QUERY } }));
        } else if (msg.type === 'ping') {
          socket.send(JSON.stringify({ type: 'pong' }));
        } else if (msg.type === 'next' && msg.payload?.data?.invoiceStatusChanged) {
          addToFeed(msg.payload.data.invoiceStatusChanged);
        } else if (msg.type === 'next' && msg.payload?.errors) {
          state(`Live feed error: ${msg.payload.errors.map((e) => e.message).join('; ')}`);
        } else if (msg.type === 'error') {
          state(`Live feed unavailable: ${(msg.payload || []).map((e) => e.message).join('; ')}`);
        }
      };
      socket.onclose = (event) => {
        if (ws !== socket) return;
        state(`Live feed disconnected${event.reason ? ` (${event.reason})` : ''}; reconnecting…`);
        timer = setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30_000);
      };
    }
    return {
      start: connect,
      restart() {
        const old = ws;
        ws = null;
        old?.close();
        retry = 1000;
        connect();
      },
    };
  })();

  function addToFeed(invoice) {
    const list = $('#feed');
    const item = el(
      'li',
      { class: 'new', dataset: { invoice: invoice.id, status: invoice.status } },
      el('div', {}, el('strong', {}, invoice.number || invoice.id.slice(0, 8)), ' → ', el('span', { class: `st ${invoice.status}` }, invoice.status)),
      el('div', { class: 'when' }, invoice.customer?.name || '', invoice.balance ? ` · balance ${fmtMoney(invoice.balance)}` : '', ` · ${new Date().toLocaleTimeString()}`),
    );
    list.prepend(item);
    while (list.children.length > 100) list.lastChild.remove();
  }

  // ---- transaction page ---------------------------------------------------------------------
  const TX_QUERY = `query ConsoleTransaction($id: ID!) { syncTransaction(id: $id) {
    id workflow status idempotencyKey traceId requestedBy origin createdAt finishedAt
    error { code message remediation }
    steps { name system status attempts lastError startedAt finishedAt }
    calls(first: 200) { step system operation outcome durationMs at }
  } }`;

  async function showTransaction(id) {
    const box = $('#tx');
    try {
      const res = await gql(TX_QUERY, { id });
      const tx = res.data.syncTransaction;
      if (!tx) {
        box.replaceChildren(el('p', {}, `No sync transaction ${id}.`));
        return;
      }
      const start = new Date(tx.createdAt).getTime();
      const end = Math.max(tx.finishedAt ? new Date(tx.finishedAt).getTime() : Date.now(), ...tx.steps.filter((s) => s.finishedAt).map((s) => new Date(s.finishedAt).getTime()), start + 1);
      const pos = (iso) => ((new Date(iso).getTime() - start) / (end - start)) * 100;
      const timeline = el(
        'div',
        { class: 'timeline', id: 'timeline' },
        ...tx.steps.map((s) => {
          const track = el('div', { class: 'track' });
          if (s.startedAt) {
            const left = pos(s.startedAt);
            const right = s.finishedAt ? pos(s.finishedAt) : 100;
            track.append(el('div', { class: `bar ${s.status}`, style: { left: `${left.toFixed(2)}%`, width: `${Math.max(0.5, right - left).toFixed(2)}%` }, title: `${s.startedAt} → ${s.finishedAt || 'now'}` }));
          }
          return el(
            'div',
            { class: 'row', dataset: { step: s.name, status: s.status } },
            el('div', {}, el('strong', {}, s.name), ' ', el('span', { class: 'muted' }, s.system)),
            track,
            el('div', {}, el('span', { class: `st ${s.status}` }, s.status), el('span', { class: 'muted' }, ` · ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}`)),
            s.lastError ? el('div', { class: 'err' }, s.lastError) : null,
          );
        }),
      );
      box.replaceChildren(
        el(
          'div',
          { class: 'tx-head' },
          el('h2', {}, `${tx.workflow} `, el('span', { class: `st ${tx.status}`, id: 'tx-status' }, tx.status)),
          el(
            'dl',
            {},
            el('dt', {}, 'Transaction'), el('dd', { class: 'mono' }, tx.id),
            el('dt', {}, 'Trace id'), el('dd', { class: 'mono', id: 'tx-trace' }, tx.traceId),
            el('dt', {}, 'Idempotency key'), el('dd', { class: 'mono' }, tx.idempotencyKey),
            el('dt', {}, 'Requested by'), el('dd', {}, `${tx.requestedBy} (${tx.origin})`),
            el('dt', {}, 'Created'), el('dd', {}, new Date(tx.createdAt).toLocaleString()),
            el('dt', {}, 'Finished'), el('dd', {}, tx.finishedAt ? new Date(tx.finishedAt).toLocaleString() : '–'),
            tx.error ? [el('dt', {}, 'Error'), el('dd', {}, el('code', {}, tx.error.code), ' ', tx.error.message, tx.error.remediation ? el('div', { class: 'remedy' }, tx.error.remediation) : null)] : null,
          ),
          REPLAYABLE.has(tx.status) && canReplay() ? el('p', {}, el('button', { class: 'replay', type: 'button', onclick: async () => { await replay(tx.id); showTransaction(tx.id); } }, 'Replay')) : null,
        ),
        el('h2', {}, 'Steps'),
        timeline,
        el('h2', {}, tx.calls ? `Calls to source systems (${tx.calls.length})` : 'Calls to source systems (an admin token shows them)'),
        el(
          'table',
          { class: 'calls' },
          el('thead', {}, el('tr', {}, el('th', {}, 'At'), el('th', {}, 'Step'), el('th', {}, 'Operation'), el('th', {}, 'Outcome'), el('th', {}, 'ms'))),
          el('tbody', {}, ...(tx.calls || []).map((c) => el('tr', {}, el('td', {}, new Date(c.at).toLocaleTimeString()), el('td', {}, c.step), el('td', { class: 'mono' }, c.operation), el('td', {}, c.outcome), el('td', {}, c.durationMs)))),
        ),
      );
      showError('');
    } catch (err) {
      showError(`Cannot load the transaction: ${err.message}`);
    }
  }

  // ---- routing and timers ----------------------------------------------------------------------
  let txTimer = null;
  function route() {
    clearInterval(txTimer);
    const m = /^#\/tx\/([\w-]+)$/.exec(location.hash);
    $('#overview').hidden = !!m;
    $('#transaction').hidden = !m;
    if (m) {
      showTransaction(m[1]);
      txTimer = setInterval(() => showTransaction(m[1]), POLL_MS);
    } else {
      refresh();
    }
  }
  window.addEventListener('hashchange', route);
  showLogin();
  route();
  refreshCharts();
  feed.start();
  setInterval(refresh, POLL_MS);
  setInterval(refreshCharts, 5000);
})();
