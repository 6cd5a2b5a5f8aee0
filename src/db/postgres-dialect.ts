import {
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Kysely,
  type TableMetadata,
} from 'kysely';

interface ColumnRow {
  table: string;
  schema: string;
  table_type: string;
  column: string;
  data_type: string;
  nullable: boolean;
  has_default: boolean;
  auto_incrementing: boolean | null;
}

/**
 * Kysely's PostgreSQL introspector, listing the tables of the connection's current schema only.
 * Kysely's own lists every schema, with a call per column that fails (42P01) when another process
 * drops a table meanwhile; its migrator lists tables before each run, so platforms (or test runs)
 * sharing one database, each in its own schema, failed each other's migrations.
 */
class CurrentSchemaIntrospector extends PostgresIntrospector {
  constructor(private readonly connection: Kysely<unknown>) {
    super(connection);
  }

  override async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select c.relname as "table", ns.nspname as "schema", c.relkind as table_type,
             a.attname as "column", t.typname as data_type, not a.attnotnull as nullable,
             a.atthasdef as has_default,
             (a.attidentity <> '' or pg_get_expr(d.adbin, d.adrelid) like 'nextval(%')
               as auto_incrementing
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
        join pg_catalog.pg_attribute a on a.attrelid = c.oid
        join pg_catalog.pg_type t on t.oid = a.atttypid
        left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
       where ns.nspname = current_schema() and c.relkind in ('r', 'v', 'p')
         and a.attnum > 0 and not a.attisdropped
       order by c.relname, a.attnum`.execute(this.connection);
    const tables = new Map<
      string,
      TableMetadata & { columns: TableMetadata['columns'][number][] }
    >();
    for (const row of rows) {
      if (
        !options.withInternalKyselyTables &&
        (row.table === 'kysely_migration' || row.table === 'kysely_migration_lock')
      )
        continue;
      let table = tables.get(row.table);
      if (!table) {
        table = {
          name: row.table,
          schema: row.schema,
          isView: row.table_type === 'v',
          columns: [],
        };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.data_type,
        isNullable: row.nullable,
        isAutoIncrementing: row.auto_incrementing === true,
        hasDefaultValue: row.has_default,
      });
    }
    return [...tables.values()];
  }
}

/** Kysely's PostgreSQL dialect, introspecting the current schema only. */
export class SchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
