#!/usr/bin/env node
// Generates the Prisma client at install time. Prisma's CLI insists on a
// schema-engine binary it would download; generation does not use it, and the
// Prisma 7 client runs on driver adapters with no binary at all, so any
// existing file satisfies the check (docs/decisions/0002-prisma-without-engines.md).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (!existsSync(path.join(root, 'prisma', 'schema.prisma'))) process.exit(0);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const cli = require.resolve('prisma/build/index.js', { paths: [root] });
const r = spawnSync(process.execPath, [cli, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
