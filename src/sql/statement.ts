/**
 * Statements written once, run on either database. A store's operations are generators that yield each
 * statement they need and receive its result (`const row = yield* escrowByJob.get([jobId])`); an engine drives
 * them: src/sql/sqlite.ts synchronously, inside the group commit's transaction (nothing else can run in between,
 * as before), src/sql/postgres.ts with an await per statement, inside a transaction of its own on a pooled
 * connection. The rules (which rows to read, which guard to write with, which invariant to check) exist once, in
 * the store; only the SQL text differs where the engines do, and only when they do.
 *
 * SQL is written in SQLite's placeholders, `?` (positional) or `@name` (named, from an object); PostgreSQL's
 * text is derived from it (`$1`, `$2`, …). A statement whose text must differ gives both: `{ sqlite, postgres }`.
 *
 * Values: integers come back as BigInt from both engines (SQLite's safe integers; PostgreSQL's int8 and integral
 * numeric by src/sql/postgres.ts's parsers), except PostgreSQL's int4 columns, which come back as numbers; read
 * such columns through Number(). Booleans are 0/1 in SQLite and true/false in PostgreSQL: read through Boolean(Number(x)).
 */

export type Dialect = 'sqlite' | 'postgres';
export type SqlText = string | { readonly sqlite: string; readonly postgres: string };
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;
export type Row = Record<string, unknown>;

export type StepMode = 'run' | 'get' | 'all' | 'insert';
/**
 * What a unit of work asks its engine for; the engine answers with the rows changed, a row or undefined, all rows,
 * or (an INSERT of one row) the new row's key.
 */
export interface Step {
  readonly statement: Statement;
  readonly mode: StepMode;
  readonly params: Params;
}

/** A unit of database work: a generator yielding the statements it runs, returning its result. */
export type Work<T> = Generator<Step, T, unknown>;

export interface StatementOptions {
  /**
   * PostgreSQL, inside a write: lock the rows read (`FOR UPDATE`) so that the checks made on them hold until the
   * transaction ends, as they do in SQLite's single writer. Reads outside a write take no lock.
   */
  forUpdate?: boolean;
  /** Runs on this engine only; the other skips it (its result is then 0 rows changed, no row). */
  only?: Dialect;
  /**
   * An INSERT of one row whose integer key `insert()` returns: SQLite's last insert rowid (the INTEGER PRIMARY
   * KEY), PostgreSQL's `RETURNING <key>`, which the PostgreSQL text gets appended. SQLite's own RETURNING would
   * cost the hottest INSERTs about 8 µs each: it runs the statement to completion into a buffer before the row.
   */
  returningKey?: string;
}

export class Statement {
  constructor(
    readonly text: SqlText,
    readonly options: StatementOptions = {},
  ) {}

  textFor(dialect: Dialect): string {
    const text = typeof this.text === 'string' ? this.text : this.text[dialect];
    const key = this.options.returningKey;
    return key !== undefined && dialect === 'postgres' ? `${text} RETURNING ${key}` : text;
  }

  /** Runs the statement; returns the number of rows it changed. */
  *run(params: Params = []): Work<number> {
    return (yield { statement: this, mode: 'run', params }) as number;
  }

  /** Inserts one row and returns its key (the statement's `returningKey`). */
  *insert(params: Params = []): Work<bigint> {
    if (this.options.returningKey === undefined) throw new Error('insert() needs a statement with a returningKey');
    return (yield { statement: this, mode: 'insert', params }) as bigint;
  }

  /** The first row, or undefined. */
  *get<R = Row>(params: Params = []): Work<R | undefined> {
    return (yield { statement: this, mode: 'get', params }) as R | undefined;
  }

  *all<R = Row>(params: Params = []): Work<R[]> {
    return (yield { statement: this, mode: 'all', params }) as R[];
  }

  /** The first column of the first row, or undefined when there is no row. */
  *value<T = unknown>(params: Params = []): Work<T | undefined> {
    const row = yield* this.get(params);
    return row === undefined ? undefined : (firstColumn(row) as T);
  }

  /** The first column of every row. */
  *values<T = unknown>(params: Params = []): Work<T[]> {
    const rows = yield* this.all(params);
    return rows.map((row) => firstColumn(row) as T);
  }
}

function firstColumn(row: Row): unknown {
  for (const key in row) return row[key];
  return undefined;
}

/** `work` unchanged, telling `onStep` of each statement before the engine driving it runs it (benches, tracing). */
export function* observed<T>(work: Work<T>, onStep: (step: Step) => void): Work<T> {
  let next = work.next();
  while (!next.done) {
    onStep(next.value);
    let result: unknown;
    try {
      result = yield next.value;
    } catch (error) {
      next = work.throw(error);
      continue;
    }
    next = work.next(result);
  }
  return next.value;
}

/** What a statement meant for the other engine answers. */
export const skipped = (step: Step): unknown =>
  step.mode === 'run' ? 0 : step.mode === 'get' || step.mode === 'insert' ? undefined : [];

export const sql = (text: SqlText, options?: StatementOptions) => new Statement(text, options);

/** A row's integer column as a number (BigInt from SQLite, number or BigInt from PostgreSQL); null stays null. */
export const numberOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
/** A boolean column: 0/1 in SQLite, true/false in PostgreSQL. */
export const bool = (v: unknown) => v === true || (v !== false && v !== null && v !== undefined && Number(v) !== 0);

/** A statement's PostgreSQL text and, for named placeholders, the parameter names in `$n` order. */
export interface PostgresText {
  text: string;
  names: string[] | null;
}

/**
 * SQLite's placeholders (`?`, `@name`) as PostgreSQL's (`$1`, …), outside quoted strings and identifiers. A
 * statement uses one kind or the other; a name used twice is one parameter.
 */
export function toPostgresPlaceholders(text: string): PostgresText {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(text, i, c);
      out += text.slice(i, end + 1);
      i = end;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${++positional}`;
    } else if (c === '@' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      let end = i + 1;
      while (end < text.length && /\w/.test(text[end]!)) end++;
      const name = text.slice(i + 1, end);
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i = end - 1;
    } else {
      out += c;
    }
  }
  if (positional > 0 && names.length > 0) throw new Error(`a statement mixes ? and @name placeholders: ${text}`);
  return { text: out, names: names.length > 0 ? names : null };
}

function closingQuote(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === quote) {
      if (text[i + 1] === quote)
        i++; // a doubled quote is the quote itself
      else return i;
    }
  }
  throw new Error(`unterminated ${quote} in statement: ${text}`);
}

/** The positional values of a step for PostgreSQL. */
export function postgresValues(params: Params, names: string[] | null): unknown[] {
  if (names === null) {
    if (!Array.isArray(params)) throw new Error('named parameters given to a statement with ? placeholders');
    return params as unknown[];
  }
  if (Array.isArray(params)) throw new Error(`positional parameters given to a statement with @${names[0]}`);
  const named = params as Readonly<Record<string, unknown>>;
  return names.map((name) => {
    if (!(name in named)) throw new Error(`missing parameter @${name}`);
    return named[name];
  });
}

/** A database that runs units of work: SQLite through the group commit, or PostgreSQL on a pool. */
export interface SqlEngine {
  readonly dialect: Dialect;
  /**
   * Runs `work` atomically and resolves with its result once the transaction is durably committed; rejects with
   * what it threw, having changed nothing. `work` is called again from the start when PostgreSQL asks for a retry
   * (a deadlock, or a unique key another transaction took first), so it must depend only on what it reads.
   */
  write<T>(work: () => Work<T>): Promise<T>;
  /** Runs read-only `work`; each statement sees every commit made before it. */
  read<T>(work: () => Work<T>): Promise<T>;
  /** Runs read-only `work` on one consistent snapshot of the database (an audit, a report across tables). */
  snapshot<T>(work: () => Work<T>): Promise<T>;
}
