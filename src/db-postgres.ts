/**
 * PostgreSQL through Prisma's pg driver adapter: the adapter that prisma.config.ts gives the schema engine
 * (`prisma migrate deploy`, `migrate diff`) when DATABASE_URL is a postgres:// URL, and a Prisma client on it
 * (src/generated/postgres-client, generated from prisma/postgresql/schema.prisma).
 *
 * Pool settings ride on the URL, under the names Prisma's own engines use, and are taken off before the rest of
 * the URL reaches pg (which understands sslmode, application_name, options and the like itself):
 * - `connection_limit`: connections this instance keeps open at most (default 10). Several instances share the
 *   server's max_connections, so size it per instance.
 * - `connect_timeout`: seconds to wait for a connection, new or from a full pool, before failing (default 10;
 *   0 waits forever).
 */
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { PrismaClient as SqlitePrismaClient } from '@prisma/client';
import { postgresTypes } from './sql/postgres.js';

export interface PostgresPoolSettings {
  connectionString: string;
  max: number;
  connectionTimeoutMillis: number;
  /** How long an idle connection stays open (pg's default, 10 s, unless given). */
  idleTimeoutMillis?: number;
}

const DEFAULT_CONNECTION_LIMIT = 10;
const DEFAULT_CONNECT_TIMEOUT_S = 10;

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
}

function wholeNumber(url: URL, name: string, fallback: number, min: number): number {
  const raw = url.searchParams.get(name);
  url.searchParams.delete(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`DATABASE_URL: ${name} must be a whole number ≥ ${min}`);
  return Number(raw);
}

export function postgresPoolSettings(databaseUrl: string): PostgresPoolSettings {
  if (!isPostgresUrl(databaseUrl)) throw new Error('DATABASE_URL is not a postgres:// URL');
  const url = new URL(databaseUrl);
  const max = wholeNumber(url, 'connection_limit', DEFAULT_CONNECTION_LIMIT, 1);
  const connectTimeoutS = wholeNumber(url, 'connect_timeout', DEFAULT_CONNECT_TIMEOUT_S, 0);
  return { connectionString: url.toString(), max, connectionTimeoutMillis: connectTimeoutS * 1000 };
}

// The catalogs' `name` (identifiers, current_schema()) and `"char"` (pg_constraint.contype, …) types.
const NAME_OID = 19;
const CHAR_OID = 18;
const TEXT_OID = 25;
// @prisma/driver-adapter-utils' ColumnTypeEnum.Character: what the schema engine reads a `"char"` column as.
const CHARACTER_COLUMN_TYPE = 6;
/** The `"char"` columns of a result, by its rows array (which the adapter passes on as it is). */
const charColumnsOfRows = new WeakMap<unknown[], number[]>();

/**
 * A pg client that reports the catalogs' `name` and `"char"` columns as text. The schema engine reads the catalogs,
 * and @prisma/adapter-pg 6.19 refuses both types ("Column type 'name' could not be deserialized", prisma/prisma#27403),
 * so `migrate deploy` would fail. pg hands all three over as the same string, so only the label changes.
 */
class NameAsTextClient extends pg.Client {
  override query(...args: any[]): any {
    const relabel = (result: unknown) => {
      for (const one of (Array.isArray(result) ? result : [result]) as (pg.QueryResult | undefined)[]) {
        const charColumns: number[] = [];
        (one?.fields ?? []).forEach((field, i) => {
          if (field.dataTypeID === CHAR_OID) charColumns.push(i);
          if (field.dataTypeID === NAME_OID || field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
        });
        if (one && charColumns.length > 0) charColumnsOfRows.set(one.rows, charColumns);
      }
    };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (error: Error | null, result: unknown) => void;
      args[last] = (error: Error | null, result: unknown) => {
        if (result) relabel(result);
        callback(error, result);
      };
      return super.query(...(args as Parameters<pg.Client['query']>));
    }
    const returned: unknown = super.query(...(args as Parameters<pg.Client['query']>));
    if (returned instanceof Promise) {
      return returned.then((result) => {
        relabel(result);
        return result;
      });
    }
    return returned;
  }
}

/**
 * The driver adapter for a postgres:// URL, with its own pool. Two things differ from @prisma/adapter-pg 6.19's own
 * factory, both for the schema engine:
 * - a migration script is sent whole, as one simple query, as Prisma's native engine sends it: PostgreSQL then runs
 *   it as one transaction (a failed migration leaves nothing behind), and a `$$ … $$` function body keeps its
 *   semicolons (the adapter splits scripts at every `;` and sends the pieces one by one);
 * - the shadow database (which `migrate diff --from-migrations` builds and drops) is made here: the adapter would
 *   open it with the same connection string, whose database name wins in pg over the shadow's, and so build the
 *   shadow inside the real database.
 */
export class PostgresAdapterFactory extends PrismaPg {
  constructor(private readonly settings: PostgresPoolSettings) {
    super({ ...settings, Client: NameAsTextClient } as pg.PoolConfig);
  }

  override async connect(): ReturnType<PrismaPg['connect']> {
    const adapter = await super.connect();
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (query) => {
      const result = await queryRaw(query);
      for (const i of charColumnsOfRows.get(result.rows) ?? []) result.columnTypes[i] = CHARACTER_COLUMN_TYPE as never;
      return result;
    };
    const pool = adapter.underlyingDriver();
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (error) {
        // The adapter's own translation into Prisma's error kinds (protected in its types).
        (adapter as unknown as { onError(error: unknown): never }).onError(error);
      }
    };
    return adapter;
  }

  override async connectToShadowDb(): ReturnType<PrismaPg['connectToShadowDb']> {
    const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client({ connectionString: this.settings.connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
      const shadowUrl = new URL(this.settings.connectionString);
      shadowUrl.pathname = `/${name}`;
      const shadow = await new PostgresAdapterFactory({
        ...this.settings,
        connectionString: shadowUrl.toString(),
      }).connect();
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        // FORCE: the shadow pool has just closed, but the server may not have noticed all of its connections end yet.
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
      };
      return shadow;
    } catch (error) {
      await admin.end();
      throw error;
    }
  }
}

export function postgresAdapter(databaseUrl: string): PostgresAdapterFactory {
  return new PostgresAdapterFactory(postgresPoolSettings(databaseUrl));
}

/**
 * The schema engine's adapter (prisma.config.ts: `migrate deploy` at every start, `migrate diff`). Prisma serialises
 * concurrent deploys with a session advisory lock that its schema engine takes and never releases, counting on its
 * connection to end; a pool keeps that connection open, idle, for 10 s after the deploy, so that instances starting
 * together waited for each other and gave up after Prisma's own 10 s ("Timed out trying to acquire a postgres
 * advisory lock"). One connection, so that the lock is held on the one the deploy runs on, closed 2 s after its last
 * query.
 */
export function postgresMigrationAdapter(databaseUrl: string): PostgresAdapterFactory {
  return new PostgresAdapterFactory({ ...postgresPoolSettings(databaseUrl), max: 1, idleTimeoutMillis: 2_000 });
}

/** What a model's results need to read as the SQLite client's: its Int fields, and the models its relations hold. */
interface ModelShape {
  ints: Set<string>;
  relations: Map<string, string>;
}

interface DatamodelSource {
  dmmf: {
    datamodel: { models: readonly { name: string; fields: readonly { name: string; kind: string; type: string }[] }[] };
  };
}

/**
 * Each model's Int fields by the SQLite schema, which the PostgreSQL schema writes BigInt (scripts/prisma-postgres.ts):
 * read from the two generated clients, so that a field added to prisma/schema.prisma needs nothing here.
 */
export function intShapes(sqlite: DatamodelSource, postgres: DatamodelSource): Map<string, ModelShape> {
  const postgresModels = new Map(postgres.dmmf.datamodel.models.map((m) => [m.name, m]));
  const shapes = new Map<string, ModelShape>();
  for (const model of sqlite.dmmf.datamodel.models) {
    const postgresModel = postgresModels.get(model.name);
    if (!postgresModel)
      throw new Error(`model ${model.name} is missing from the PostgreSQL client: run npm run prisma:postgres`);
    const ints = new Set<string>();
    const relations = new Map<string, string>();
    for (const field of model.fields) {
      if (field.kind === 'object') relations.set(field.name, field.type);
      if (field.kind !== 'scalar' || field.type !== 'Int') continue;
      const postgresType = postgresModel.fields.find((f) => f.name === field.name)?.type;
      if (postgresType !== 'BigInt')
        throw new Error(
          `${model.name}.${field.name} is ${postgresType ?? 'missing'} in the PostgreSQL client, not BigInt`,
        );
      ints.add(field.name);
    }
    shapes.set(model.name, { ints, relations });
  }
  return shapes;
}

// Aggregates of a model's fields (aggregate, groupBy): a sum, minimum or maximum of an Int is an Int on SQLite too.
const AGGREGATES_OF_FIELDS = new Set(['_sum', '_min', '_max']);

/** A model operation's result with the model's Int fields (and its relations', at any depth) as numbers. */
export function withIntsAsNumbers(shapes: Map<string, ModelShape>, model: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((one) => withIntsAsNumbers(shapes, model, one));
  const shape = shapes.get(model);
  if (!shape || value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(record)) {
    if (typeof field === 'bigint' && shape.ints.has(key)) record[key] = Number(field);
    else if (shape.relations.has(key)) withIntsAsNumbers(shapes, shape.relations.get(key)!, field);
    else if (AGGREGATES_OF_FIELDS.has(key)) withIntsAsNumbers(shapes, model, field);
  }
  return record;
}

/**
 * A Prisma client on PostgreSQL whose results have the SQLite client's JavaScript types, so that the GraphQL and REST
 * layers (typed from the SQLite client) serve either: the PostgreSQL columns of the SQLite schema's Int fields are
 * bigint, which Prisma hands over as BigInt, and the query extension turns them back into numbers (a Unix time or an
 * id is far below 2^53). Arguments need nothing: Prisma takes a number for a BigInt field. Close it with
 * `$disconnect()`, which ends its pool.
 */
export async function openPostgresPrisma(databaseUrl: string): Promise<SqlitePrismaClient> {
  // Loaded here, not at the top: prisma.config.ts imports this module before the clients have been generated.
  const [{ PrismaClient, Prisma: PostgresPrisma }, { Prisma: SqlitePrisma }] = await Promise.all([
    import('./generated/postgres-client/index.js'),
    import('@prisma/client'),
  ]);
  const shapes = intShapes(SqlitePrisma, PostgresPrisma);
  const client = new PrismaClient({ adapter: postgresAdapter(databaseUrl) }).$extends({
    name: 'ints-as-numbers',
    query: {
      $allModels: {
        async $allOperations({ model, args, query }) {
          return withIntsAsNumbers(shapes, model, await query(args));
        },
      },
    },
  });
  return client as unknown as SqlitePrismaClient;
}

/** The pool the statements of src/sql/postgres.ts run on: the same settings as Prisma's, integers as SQLite gives them. */
export function createPostgresPool(databaseUrl: string, onIdleError?: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({ ...postgresPoolSettings(databaseUrl), types: postgresTypes });
  // An idle connection the server closed (a restart, a failover) is dropped by the pool and the next query opens
  // another; without a listener its 'error' event would end the process.
  pool.on('error', (error) => onIdleError?.(error));
  return pool;
}
