/**
 * An in-memory table: records by id in insertion order, plus secondary indexes
 * on chosen fields so that foreign-key filters and `IN` lists cost O(matches).
 */
export class Table<T extends object, K extends keyof T & string = keyof T & string> {
  private readonly rows = new Map<string, T>();
  private readonly indexes = new Map<K, Map<string, Set<string>>>();
  private readonly ordinals = new Map<string, number>();
  private nextOrdinal = 0;

  constructor(
    private readonly idOf: (row: T) => string,
    indexed: readonly K[] = [],
    rows: Iterable<T> = [],
  ) {
    for (const field of indexed) this.indexes.set(field, new Map());
    for (const row of rows) this.insert(row);
  }

  get size(): number {
    return this.rows.size;
  }

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  all(): IterableIterator<T> {
    return this.rows.values();
  }

  isIndexed(field: string): field is K {
    return this.indexes.has(field as K);
  }

  /** Rows whose indexed `field` equals one of `values`, in table order. */
  where(field: K, values: Iterable<string>): T[] {
    const index = this.indexes.get(field);
    if (!index) throw new Error(`${field} is not indexed`);
    const ids = new Set<string>();
    for (const v of values) for (const id of index.get(v) ?? []) ids.add(id);
    return this.inOrder(ids);
  }

  /** The rows with these ids (unknown ids skipped), in table order. */
  getMany(ids: Iterable<string>): T[] {
    const known = new Set<string>();
    for (const id of ids) if (this.rows.has(id)) known.add(id);
    return this.inOrder(known);
  }

  private inOrder(ids: Set<string>): T[] {
    return [...ids]
      .map((id) => [this.ordinals.get(id)!, id] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, id]) => this.rows.get(id)!);
  }

  insert(row: T): void {
    const id = this.idOf(row);
    if (this.rows.has(id)) throw new Error(`duplicate id ${id}`);
    this.rows.set(id, row);
    this.ordinals.set(id, this.nextOrdinal++);
    this.indexRow(id, row, 1);
  }

  /** Applies `change` to the row in place, keeping the indexes current. */
  update(id: string, change: (row: T) => void): T | undefined {
    const row = this.rows.get(id);
    if (!row) return undefined;
    this.indexRow(id, row, -1);
    change(row);
    this.indexRow(id, row, 1);
    return row;
  }

  toArray(): T[] {
    return [...this.rows.values()];
  }

  private indexRow(id: string, row: T, dir: 1 | -1): void {
    for (const [field, index] of this.indexes) {
      const value = row[field];
      if (value === null || value === undefined) continue;
      const key = String(value);
      let ids = index.get(key);
      if (dir === 1) {
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(id);
      } else if (ids) {
        ids.delete(id);
        if (ids.size === 0) index.delete(key);
      }
    }
  }
}
