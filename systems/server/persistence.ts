import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SystemName } from './types';

export const FILE_FORMAT = 'tandem-system/1';

/** The JSON file a simulator keeps its records in. */
export interface SystemFile<D> {
  format: typeof FILE_FORMAT;
  system: SystemName;
  savedAt: string;
  data: D;
  /** Stored answers of writes, for Idempotency-Key replay. */
  idempotency: [string, StoredAnswer][];
}

/** A remembered answer to a write. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export class PersistenceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PersistenceError';
  }
}

/** `<dataDir>/systems/<name>.json`. */
export function systemFilePath(dataDir: string, name: SystemName): string {
  return join(dataDir, 'systems', `${name}.json`);
}

/**
 * Reads a simulator file; undefined when it does not exist. A file that exists
 * but cannot be read is an error (never silently re-seeded: that would lose data).
 */
export function readSystemFile<D>(file: string, name: SystemName): SystemFile<D> | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PersistenceError(`cannot read ${file}: ${(e as Error).message}; delete it to re-seed`, { cause: e });
  }
  const f = parsed as Partial<SystemFile<D>>;
  if (f.format !== FILE_FORMAT || f.system !== name || typeof f.data !== 'object' || f.data === null) {
    throw new PersistenceError(`${file} is not a ${name} simulator file (format ${FILE_FORMAT}); delete it to re-seed`);
  }
  return { ...f, idempotency: Array.isArray(f.idempotency) ? f.idempotency : [] } as SystemFile<D>;
}

function writeAtomically(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/**
 * Writes a file some time after it was marked dirty: `delayMs` after the last
 * change, but no later than `maxDelayMs` after the first unsaved one.
 */
export class DebouncedFileWriter {
  private timer?: NodeJS.Timeout;
  private firstDirtyAt = 0;
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly render: () => string,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = 200,
    private readonly maxDelayMs = 1000,
  ) {}

  markDirty(): void {
    const now = Date.now();
    if (!this.dirty) this.firstDirtyAt = now;
    this.dirty = true;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.delayMs, this.firstDirtyAt + this.maxDelayMs - now));
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  /** Writes now if anything changed; `force` writes even when nothing did. */
  flush(force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty && !force) return;
    this.dirty = false;
    try {
      writeAtomically(this.file, this.render());
    } catch (e) {
      this.onError(e);
    }
  }
}
