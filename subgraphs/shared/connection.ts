import { pageArgsSchema } from '../../canonical-schema';
import { InvalidArgumentError } from './errors';

/** @default 20 — page size when `first` is not given */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest `first` a connection accepts. */
export const MAX_PAGE_SIZE = 500;

export interface Cursor {
  name: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.name, c.id])).toString('base64url');
}

export function decodeCursor(after: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string')) {
      return { name: parsed[0] as string, id: parsed[1] as string };
    }
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('after', 'is not a cursor this connection issued; pass the endCursor of a previous page');
}

/** built once: a zod schema costs ~0.3 ms to build, more than validating with it */
const PAGE_ARGS = pageArgsSchema(MAX_PAGE_SIZE);

/** Validates connection arguments, throwing an error that names the bad one. */
export function pageArgs(first: number | null | undefined, after: string | null | undefined): { first: number; after: Cursor | null } {
  const r = PAGE_ARGS.safeParse({ first, after });
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InvalidArgumentError(String(issue.path[0] ?? 'first'), issue.message);
  }
  return { first: first ?? DEFAULT_PAGE_SIZE, after: after ? decodeCursor(after) : null };
}
