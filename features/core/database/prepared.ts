import type { Query, SQL } from 'drizzle-orm';
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

/** A raw statement prepared once: `all` fills its `sql.placeholder`s and returns its rows, as the driver reads them. */
export interface PreparedStatement<Row> {
  all(values: Record<string, unknown>): Promise<Row[]>;
}

/**
 * A raw SQL statement (one a query builder cannot express, such as a CTE that writes) prepared like a query
 * builder's `.prepare(name)`: its SQL is assembled once, and on pg/Neon it is parsed and planned once per
 * connection. Values go in through `sql.placeholder(...)`. Drizzle's query builders prepare through the same
 * session method on every driver; it is not part of Drizzle's typed surface, so it is reached here only.
 */
export function preparedStatement<Row>(
  name: string,
  build: () => SQL,
): () => Promise<PreparedStatement<Row>> {
  return prepared((db) => {
    const { session, dialect } = db as unknown as {
      session: {
        prepareQuery(
          query: Query,
          fields: undefined,
          name: string,
          arrayMode: boolean,
        ): PreparedStatement<Row>;
      };
      dialect: { sqlToQuery(sql: SQL): Query };
    };
    return session.prepareQuery(dialect.sqlToQuery(build()), undefined, name, false);
  });
}
