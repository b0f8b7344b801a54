/**
 * A self-contained landing page for a GraphQL endpoint: inline CSS and JS
 * only, no external URL (lib/apollo-http.ts serves it with a CSP that forbids
 * them). It POSTs to the path it was loaded from.
 */

export interface LandingPageExample {
  name: string;
  query: string;
  /** Variables as a JSON-serialisable object. */
  variables?: Record<string, unknown>;
}

export interface LandingPageOptions {
  /** @default 'GraphQL' */
  title?: string;
  /** One line under the title. */
  description?: string;
  examples?: LandingPageExample[];
}

const DEFAULT_QUERY = '{\n  __typename\n}\n';

export function landingPage(options: LandingPageOptions = {}): string {
  const title = options.title ?? 'GraphQL';
  const examples = options.examples ?? [];
  const data = JSON.stringify({ examples, defaultQuery: DEFAULT_QUERY }).replace(/</g, '\\u003c').replace(/\u2028|\u2029/g, ' ');
  const exampleButtons = examples
    .map((e, i) => `<li><button type="button" class="example" data-index="${i}">${escapeHtml(e.name)}</button></li>`)
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <div class="brand"><span class="logo" aria-hidden="true"></span><h1>${escapeHtml(title)}</h1></div>
  <p class="sub">${escapeHtml(options.description ?? 'GraphQL endpoint. Write a query, press Run (Ctrl+Enter).')}</p>
</header>
<main>
  <aside>
    <h2>Examples</h2>
    ${examples.length ? `<ul class="examples">${exampleButtons}</ul>` : '<p class="muted">No examples.</p>'}
    <h2>Use it from a shell</h2>
    <p class="muted">POST JSON with a <code>query</code> (and optional <code>variables</code>):</p>
    <pre class="curl" id="curl">curl -s -X POST &lt;this page's URL&gt; -H 'content-type: application/json' --data '{"query":"{ __typename }"}'</pre>
    <button type="button" id="copy-curl" class="ghost">Copy the current query as curl</button>
    <p class="muted small">Send <code>authorization: Bearer &lt;token&gt;</code> (most gateways refuse requests without one) and, if you like, <code>x-request-id</code> to follow a request through the logs.</p>
  </aside>
  <section class="editor">
    <label for="query">Query</label>
    <textarea id="query" spellcheck="false" autocomplete="off" autocapitalize="off"></textarea>
    <div class="row">
      <div class="col">
        <label for="variables">Variables (JSON)</label>
        <textarea id="variables" class="small" spellcheck="false">{}</textarea>
      </div>
      <div class="col">
        <label for="auth">Authorization header (paste a token; kept for this tab)</label>
        <input id="auth" type="text" placeholder="Bearer eyJ..." autocomplete="off" spellcheck="false">
        <div class="actions">
          <button type="button" id="run" class="primary">Run <kbd>Ctrl+Enter</kbd></button>
          <span id="status" class="status" role="status"></span>
        </div>
      </div>
    </div>
  </section>
  <section class="result">
    <label for="result">Result</label>
    <pre id="result" tabindex="0" aria-live="polite"><span class="muted">Run a query to see its result here.</span></pre>
  </section>
</main>
<script type="application/json" id="landing-data">${data}</script>
<script>${JS}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const CSS = `
:root { --bg:#f6f7f9; --panel:#fff; --ink:#1d2433; --muted:#667085; --line:#dde2ea; --accent:#2952cc; --accent-ink:#fff; --err:#b42318; --ok:#067647; --code:#0f172a; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header { padding:14px 24px; background:var(--code); color:#e2e8f0; display:flex; align-items:baseline; gap:24px; flex-wrap:wrap; }
.brand { display:flex; align-items:center; gap:10px; }
.logo { width:18px; height:18px; border-radius:4px; background:linear-gradient(135deg,#7aa2ff,#2952cc); display:inline-block; }
h1 { font-size:18px; margin:0; font-weight:600; }
.sub { margin:0; color:#94a3b8; }
main { display:grid; grid-template-columns:260px minmax(0,1fr) minmax(0,1fr); gap:16px; padding:16px 24px; height:calc(100vh - 56px); }
aside, .editor, .result { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:14px; display:flex; flex-direction:column; min-height:0; }
aside { overflow:auto; }
h2 { font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:4px 0 8px; }
h2:not(:first-child) { margin-top:20px; }
ul.examples { list-style:none; padding:0; margin:0; display:flex; flex-direction:column; gap:4px; }
button { font:inherit; cursor:pointer; border-radius:6px; }
button.example { width:100%; text-align:left; background:none; border:1px solid transparent; padding:6px 8px; color:var(--ink); }
button.example:hover, button.example:focus-visible { background:#eef2ff; border-color:#c7d2fe; outline:none; }
button.example.active { background:#e0e7ff; border-color:#a5b4fc; }
button.primary { background:var(--accent); color:var(--accent-ink); border:0; padding:8px 16px; font-weight:600; white-space:nowrap; }
button.primary:hover { filter:brightness(1.08); }
button.primary:disabled { opacity:.6; cursor:progress; }
button.ghost { background:none; border:1px solid var(--line); padding:6px 10px; color:var(--ink); margin-top:8px; }
kbd { font:11px ui-monospace,monospace; opacity:.75; margin-left:6px; }
label { font-size:12px; font-weight:600; color:var(--muted); margin-bottom:6px; display:block; }
textarea, input, pre { font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
textarea, input { width:100%; border:1px solid var(--line); border-radius:6px; padding:10px; color:var(--ink); background:#fbfcfe; }
textarea:focus, input:focus { outline:2px solid #c7d2fe; border-color:#a5b4fc; }
#query { flex:1; min-height:200px; resize:none; tab-size:2; }
textarea.small { height:110px; resize:vertical; }
.row { display:flex; gap:12px; margin-top:12px; }
.col { flex:1; min-width:0; display:flex; flex-direction:column; }
.actions { display:flex; align-items:center; gap:12px; margin-top:auto; padding-top:12px; }
.status { color:var(--muted); font-size:12px; }
.status.ok { color:var(--ok); } .status.err { color:var(--err); }
pre { margin:0; }
#result { flex:1; overflow:auto; background:var(--code); color:#e2e8f0; border-radius:6px; padding:12px; white-space:pre-wrap; word-break:break-word; }
#result .muted { color:#94a3b8; }
#result .k { color:#93c5fd; } #result .s { color:#86efac; } #result .n { color:#fcd34d; } #result .e { color:#fca5a5; }
pre.curl { background:#f1f5f9; border:1px solid var(--line); border-radius:6px; padding:8px; white-space:pre-wrap; word-break:break-all; font-size:12px; }
.muted { color:var(--muted); } .small { font-size:12px; }
code { font:12px ui-monospace,monospace; background:#f1f5f9; padding:1px 4px; border-radius:4px; }
@media (max-width: 1000px) { main { grid-template-columns:1fr; height:auto; } #query { min-height:240px; } #result { min-height:240px; } }
`;

const JS = `
(function () {
  var data = JSON.parse(document.getElementById('landing-data').textContent);
  var query = document.getElementById('query');
  var variables = document.getElementById('variables');
  var auth = document.getElementById('auth');
  try { auth.value = sessionStorage.getItem('gateway-authorization') || ''; } catch (e) {}
  auth.addEventListener('input', function () {
    var v = auth.value.trim();
    // a bare token gets its scheme
    if (v && !/^[A-Za-z]+ /.test(v) && /^[\\w-]+\\.[\\w-]+\\.[\\w-]*$/.test(v)) { auth.value = 'Bearer ' + v; }
    try { sessionStorage.setItem('gateway-authorization', auth.value.trim()); } catch (e) {}
  });
  var run = document.getElementById('run');
  var status = document.getElementById('status');
  var result = document.getElementById('result');
  var curl = document.getElementById('curl');
  var endpoint = location.origin + location.pathname;

  function load(i) {
    var ex = data.examples[i];
    query.value = ex.query;
    variables.value = JSON.stringify(ex.variables || {}, null, 2);
    var buttons = document.querySelectorAll('button.example');
    for (var b = 0; b < buttons.length; b++) buttons[b].classList.toggle('active', Number(buttons[b].dataset.index) === i);
    updateCurl();
  }

  function shellQuote(s) { return "'" + s.replace(/'/g, "'\\\\''") + "'"; }

  // Whitespace outside string literals is insignificant in GraphQL: fold it for a one-line curl.
  function compact(q) { return q.replace(/"(?:\\\\.|[^"\\\\])*"|\\s+/g, function (m) { return m.charAt(0) === '"' ? m : ' '; }).trim(); }

  function body(forShell) {
    var vars = {};
    var text = variables.value.trim();
    if (text) vars = JSON.parse(text);
    var payload = { query: forShell ? compact(query.value) : query.value };
    if (Object.keys(vars).length || !forShell) payload.variables = vars;
    return JSON.stringify(payload);
  }

  function updateCurl() {
    var payload;
    try { payload = body(true); } catch (e) { payload = JSON.stringify({ query: compact(query.value) }); }
    var headers = " -H 'content-type: application/json'";
    if (auth.value.trim()) headers += ' -H ' + shellQuote('authorization: ' + auth.value.trim());
    curl.textContent = 'curl -s -X POST ' + endpoint + headers + ' --data ' + shellQuote(payload);
  }

  function escapeHtml(s) { return s.replace(/[&<>]/g, function (c) { return c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'; }); }

  function highlight(json) {
    return escapeHtml(json).replace(/("(?:\\\\.|[^"\\\\])*")(\\s*:)?|\\b(true|false|null)\\b|-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?/g,
      function (m, str, colon, lit) {
        if (str) return colon ? '<span class="k">' + str + '</span>' + colon : '<span class="s">' + str + '</span>';
        if (lit) return '<span class="n">' + lit + '</span>';
        return '<span class="n">' + m + '</span>';
      });
  }

  function show(text, cls) {
    status.textContent = text;
    status.className = 'status ' + (cls || '');
  }

  function execute() {
    var payload;
    try { payload = body(); } catch (e) { show('Variables are not valid JSON: ' + e.message, 'err'); return; }
    var headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    if (auth.value.trim()) headers.authorization = auth.value.trim();
    run.disabled = true;
    show('Running...');
    var started = performance.now();
    fetch(endpoint, { method: 'POST', headers: headers, body: payload })
      .then(function (res) {
        return res.text().then(function (text) {
          var ms = Math.round(performance.now() - started);
          var pretty = text;
          var hasErrors = res.status >= 400;
          try { var parsed = JSON.parse(text); pretty = JSON.stringify(parsed, null, 2); hasErrors = hasErrors || !!parsed.errors; } catch (e) {}
          result.innerHTML = highlight(pretty);
          show('HTTP ' + res.status + ' in ' + ms + ' ms' + (hasErrors ? ' with errors' : ''), hasErrors ? 'err' : 'ok');
        });
      })
      .catch(function (err) { result.innerHTML = '<span class="e">' + escapeHtml(String(err)) + '</span>'; show('Request failed', 'err'); })
      .then(function () { run.disabled = false; });
  }

  document.querySelectorAll('button.example').forEach(function (b) {
    b.addEventListener('click', function () { load(Number(b.dataset.index)); });
  });
  run.addEventListener('click', execute);
  document.getElementById('copy-curl').addEventListener('click', function () {
    updateCurl();
    if (navigator.clipboard) navigator.clipboard.writeText(curl.textContent).then(function () { show('curl command copied', 'ok'); }, function () {});
  });
  [query, variables, auth].forEach(function (el) { el.addEventListener('input', updateCurl); });
  document.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); execute(); }
  });
  query.addEventListener('keydown', function (e) {
    if (e.key === 'Tab' && !e.shiftKey) {
      e.preventDefault();
      var s = query.selectionStart;
      query.setRangeText('  ', s, query.selectionEnd, 'end');
    }
  });

  if (data.examples.length) load(0); else { query.value = data.defaultQuery; updateCurl(); }
})();
`;
