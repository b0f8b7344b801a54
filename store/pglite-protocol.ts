/** Messages between pglite-remote.ts (the opening thread) and pglite-thread.ts (the database's thread). */

export interface ThreadOptions {
  /** data directory, or undefined for an in-memory database */
  dataDir?: string;
  startParams: string[];
  /** a tarball of a freshly initialised data directory to start a new database from */
  template?: string;
}

export type Request =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; rowMode?: 'array' | 'object'; prismaParsers?: boolean; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'describe'; sql: string }
  | { id: number; op: 'begin' }
  | { id: number; op: 'rollback'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'unlisten'; listener: number }
  | { id: number; op: 'close' };

/** What `describe` answers: the statement's parameter and result types (PGlite's describeQuery without its functions). */
export interface Described {
  queryParams: { dataTypeID: number }[];
  resultFields: { name: string; dataTypeID: number }[];
}

/** id 0 is the thread's start-up report; a notification (LISTEN) names its listener instead of an id */
export type Response =
  | { id: number; result: unknown; error?: undefined }
  | { id: number; error: SerializedError }
  | { id?: undefined; notify: number; payload: string };

export interface SerializedError {
  message: string;
  name: string;
  /** a PostgreSQL error (PGlite's DatabaseError): rebuilt as one, so callers can map its code */
  database: boolean;
  /** the error's own primitive fields (code, detail, constraint, ...) */
  fields: Record<string, unknown>;
}
