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
