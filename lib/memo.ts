/**
 * One value per key, built on first use. For zod schemas built from other
 * schemas (a page of `record`s): zod 4 compiles a schema on its first parse, so
 * a schema built afresh for every call pays that compilation every call.
 */
export function memoByKey<K, V>(build: (key: K) => V): (key: K) => V {
  const built = new Map<K, V>();
  return (key) => {
    let v = built.get(key);
    if (v === undefined) built.set(key, (v = build(key)));
    return v;
  };
}
