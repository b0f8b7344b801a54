import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts the module `name` next to `dir`'s caller as a worker thread: the
 * compiled .js when this process runs the build, or, when it runs the
 * TypeScript sources (jest), the .ts transpiled on load. The module may import
 * only node modules and packages (nothing of the project at run time).
 */
export function startModuleThread(dir: string, name: string, workerData: unknown): Worker {
  const ext = path.extname(__filename);
  const file = path.join(dir, `${name}${ext}`);
  if (ext !== '.ts') return new Worker(file, { workerData });
  const code = `
    const ts = require('typescript');
    const fs = require('node:fs');
    const Module = require('node:module');
    const file = ${JSON.stringify(file)};
    const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const m = new Module(file, module);
    m.filename = file;
    m.paths = Module._nodeModulePaths(require('node:path').dirname(file));
    m._compile(out, file);`;
  return new Worker(code, { eval: true, workerData });
}
