import { type Database, getDb } from './client';

// A query built once per database handle instead of per call: Drizzle assembles its SQL once, and on pg/Neon
// a named prepared statement is parsed once per connection (later calls send only Bind/Execute).
//   const byId = prepared((db) => db.select().from(t).where(eq(t.id, sql.placeholder('id'))).prepare('t_by_id'));
//   const [row] = await (await byId()).execute({ id });
export function prepared<T>(build: (db: Database) => T): () => Promise<T> {
  const cache = new WeakMap<Database, T>();
  return async () => {
    const db = await getDb();
    let query = cache.get(db);
    if (query === undefined) {
      query = build(db);
      cache.set(db, query);
    }
    return query;
  };
}
