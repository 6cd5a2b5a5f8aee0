import { sql, type CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import type { Executor } from './unit-of-work.js';

/**
 * `limit 1` written into the SQL rather than bound as a parameter: SQLite runs a statement whose
 * LIMIT is a bound parameter markedly slower (an indexed look-up of an open session: 15.9 µs
 * with `limit ?`, 5.8 µs with `limit 1`, better-sqlite3 12 on a 2-core AMD EPYC).
 */
export const ONE_ROW = sql.lit(1);

/** Stands for a parameter while the query is built; never a value a caller could send. */
const SLOT = '\u0000witty-slot:';

interface Template {
  compiled: CompiledQuery;
  /** For each compiled parameter, the name of the value that fills it, or a constant. */
  slots: ({ name: string } | { constant: unknown })[];
}

/**
 * A query that Kysely builds and compiles once per dialect and that then runs again with new
 * values: the statements that every OCPP message runs would otherwise be built, validated and
 * compiled anew each time, which cost as much CPU as SQLite running them.
 *
 * `build` receives stand-ins for the values and may use them only as values (in `where`,
 * `set`, `values`), never to decide the shape of the query: a query whose shape varies is one
 * reusable query per shape.
 */
export class ReusableQuery<Values extends Record<string, unknown>, Row> {
  /** Compiled templates, one per dialect (keyed by the dialect's adapter class). */
  private readonly templates = new Map<unknown, Template>();

  constructor(
    private readonly names: readonly (keyof Values & string)[],
    private readonly build: (db: Executor, values: Values) => Compilable<Row>,
  ) {}

  /** Runs the query on `db` (a database or a transaction) with these values. */
  async execute(db: Executor, values: Values): Promise<QueryResult<Row>> {
    const template = this.template(db);
    const parameters = template.slots.map((slot) =>
      'name' in slot ? values[slot.name] : slot.constant,
    );
    return db.executeQuery<Row>({ ...template.compiled, parameters });
  }

  /** The first row, if any. */
  async takeFirst(db: Executor, values: Values): Promise<Row | undefined> {
    return (await this.execute(db, values)).rows[0];
  }

  private template(db: Executor): Template {
    const key = db.getExecutor().adapter.constructor;
    let template = this.templates.get(key);
    if (!template) {
      template = this.compile(db);
      this.templates.set(key, template);
    }
    return template;
  }

  private compile(db: Executor): Template {
    const standIns = Object.fromEntries(this.names.map((name) => [name, `${SLOT}${name}`]));
    const compiled = this.build(db, standIns as Values).compile();
    if (compiled.sql.includes(SLOT))
      throw new Error(`a value of a reusable query was written into its SQL: ${compiled.sql}`);
    const slots = compiled.parameters.map((parameter) =>
      typeof parameter === 'string' && parameter.startsWith(SLOT)
        ? { name: parameter.slice(SLOT.length) }
        : { constant: parameter },
    );
    const used = new Set(slots.flatMap((slot) => ('name' in slot ? [slot.name] : [])));
    const unused = this.names.filter((name) => !used.has(name));
    if (unused.length > 0)
      throw new Error(`reusable query does not use ${unused.join(', ')}: ${compiled.sql}`);
    return { compiled, slots };
  }
}

/**
 * A multi-row statement (an insert of several rows) that Kysely builds and compiles once per
 * number of rows, up to `maxRows`; larger batches are built each time. Only `columns` of the
 * rows are written. `build` receives rows of stand-ins, as ReusableQuery's does, and the same
 * rule holds: values only, never the shape.
 */
export class ReusableRowsQuery<Row extends Record<string, unknown>> {
  private readonly byCount = new Map<number, ReusableQuery<Record<string, unknown>, unknown>>();

  constructor(
    private readonly columns: readonly (keyof Row & string)[],
    private readonly build: (db: Executor, rows: Row[]) => Compilable<unknown>,
    private readonly maxRows = 16,
  ) {}

  /** Runs the statement on `db` (a database or a transaction) with these rows. */
  async execute(db: Executor, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (rows.length > this.maxRows) {
      // Only the columns, whatever else the rows carry.
      const projected = rows.map(
        (row) => Object.fromEntries(this.columns.map((column) => [column, row[column]])) as Row,
      );
      await db.executeQuery(this.build(db, projected).compile());
      return;
    }
    const values: Record<string, unknown> = {};
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (const column of this.columns) values[`${i}.${column}`] = row[column];
    }
    await this.query(rows.length).execute(db, values);
  }

  private query(count: number): ReusableQuery<Record<string, unknown>, unknown> {
    let query = this.byCount.get(count);
    if (!query) {
      const names = Array.from({ length: count }, (_, i) =>
        this.columns.map((column) => `${i}.${column}`),
      ).flat();
      query = new ReusableQuery(names, (db, values) =>
        this.build(
          db,
          Array.from(
            { length: count },
            (_, i) =>
              Object.fromEntries(
                this.columns.map((column) => [column, values[`${i}.${column}`]]),
              ) as Row,
          ),
        ),
      );
      this.byCount.set(count, query);
    }
    return query;
  }
}
