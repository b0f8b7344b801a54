// Lets a plain `node` child process (forked by a test) load the repo's TypeScript:
// `fork(file.ts, { execArgv: ['-r', require.resolve('./ts-register')] })`. Each .ts
// file is transpiled on require with the TypeScript compiler (no type check: the
// test run's `npm run typecheck` does that), with the tsconfig's options, so the
// child always runs the current sources rather than a possibly stale dist/ build.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ts = require('typescript');

// transpiled output cached by content hash: restarted children (crash test) start fast
const cacheDir = path.join(os.tmpdir(), `tandem-ts-register-${ts.version}`);
fs.mkdirSync(cacheDir, { recursive: true });

const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  resolveJsonModule: true,
  inlineSourceMap: true,
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const cached = path.join(cacheDir, crypto.createHash('sha1').update(filename).update('\0').update(source).digest('hex') + '.js');
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    js = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
    const tmp = `${cached}.${process.pid}`;
    fs.writeFileSync(tmp, js);
    fs.renameSync(tmp, cached);
  }
  module._compile(js, filename);
};
