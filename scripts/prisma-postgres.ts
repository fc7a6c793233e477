/**
 * Writes prisma/postgresql/schema.prisma from prisma/schema.prisma, the one source of truth for the data model
 * (test/postgres-schema.test.ts fails when the written file is stale). The PostgreSQL schema differs only where the
 * provider does: its datasource, its own client (src/generated/postgres-client) and no Pothos types (the models are
 * the same, so the SQLite schema's types serve both).
 *
 * The PostgreSQL schema differs in one type. SQLite's INTEGER is 64-bit whatever Prisma calls the field, while
 * PostgreSQL's default for Int is a 32-bit integer, which refuses a Unix time after 2038-01-19. So every Int field
 * is written BigInt here (bigint; an autoincrement id becomes a bigserial, 64-bit like SQLite's rowid): one rule,
 * with no list of which Int holds a time to keep up to date, and ids, counts and market_events.seq keep the range
 * they have on SQLite too. src/db-postgres.ts hands those fields back as numbers, as the SQLite client does.
 * Prisma's default PostgreSQL types say what the other scalars mean: BigInt (µRTC, nonces) is bigint, String is
 * text (JSON lists stay text: the code parses them itself and never queries inside them), Float is double
 * precision, Boolean is boolean. A field of any other type stops the script until someone decides its PostgreSQL
 * form here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SQLITE_SCHEMA = new URL('../prisma/schema.prisma', import.meta.url);
export const POSTGRES_SCHEMA = new URL('../prisma/postgresql/schema.prisma', import.meta.url);

const SCALARS_WITH_THE_SAME_MEANING = new Set(['String', 'Int', 'BigInt', 'Float', 'Boolean']);

const HEADER = `// Generated from prisma/schema.prisma by \`npm run prisma:postgres\`: edit that file, then run the script.
// The PostgreSQL migrations (prisma/postgresql/migrations) add what Prisma cannot express, as the SQLite ones do:
// every CHECK constraint, the append-only triggers on journal and price_history, and the partial indexes
// (render_escrow's review_until_delivered and released_quoted, market_events' by subject).
`;

const CLIENT_GENERATOR = `generator client {
  provider   = "prisma-client-js"
  engineType = "client"
  output     = "../../src/generated/postgres-client"
}`;

const DATASOURCE = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}`;

/** Top-level blocks (`model X { … }`) with the comment lines just above each. */
function blocks(source: string): { kind: string; name: string; text: string }[] {
  const found: { kind: string; name: string; text: string }[] = [];
  const pattern = /^((?:\/\/\/[^\n]*\n)*)(\w+) (\w+) \{\n[\s\S]*?^\}/gm;
  for (const match of source.matchAll(pattern)) found.push({ kind: match[2]!, name: match[3]!, text: match[0] });
  return found;
}

function checkFieldTypes(model: string, text: string, models: Set<string>): void {
  for (const line of text.split('\n').slice(1, -1)) {
    const field = /^\s+(\w+)\s+(\w+)(\[\]|\?)?/.exec(line);
    if (!field || line.trim().startsWith('//') || line.trim().startsWith('@@')) continue;
    const type = field[2]!;
    if (SCALARS_WITH_THE_SAME_MEANING.has(type) || models.has(type)) {
      if (/@db\./.test(line)) throw new Error(`${model}.${field[1]}: native type attributes need a PostgreSQL form`);
      continue;
    }
    throw new Error(`${model}.${field[1]} is a ${type}: decide its PostgreSQL type in scripts/prisma-postgres.ts`);
  }
}

/** The model with every Int field written BigInt, the columns after the type kept where they were. */
function withIntAsBigInt(text: string): string {
  return text.replace(/^(\s+\w+\s+)Int(\??)( *)/gm, (_, field: string, optional: string, spaces: string) => {
    return `${field}BigInt${optional}${spaces.length > 3 ? ' '.repeat(spaces.length - 3) : spaces ? ' ' : ''}`;
  });
}

export function postgresSchema(sqliteSource: string): string {
  const all = blocks(sqliteSource);
  const generators = all.filter((b) => b.kind === 'generator').map((b) => b.name);
  if (!generators.includes('client')) throw new Error('prisma/schema.prisma has no `generator client`');
  const datasources = all.filter((b) => b.kind === 'datasource');
  if (datasources.length !== 1 || !/provider = "sqlite"/.test(datasources[0]!.text))
    throw new Error('prisma/schema.prisma must have one sqlite datasource');
  const rest = all.filter((b) => b.kind !== 'generator' && b.kind !== 'datasource');
  const models = new Set(rest.map((b) => b.name));
  for (const block of rest) {
    if (block.kind !== 'model') throw new Error(`${block.kind} ${block.name}: decide its PostgreSQL form first`);
    checkFieldTypes(block.name, block.text.replace(/^(\/\/\/[^\n]*\n)*/, ''), models);
  }
  return (
    [HEADER + '\n' + CLIENT_GENERATOR, DATASOURCE, ...rest.map((b) => withIntAsBigInt(b.text))].join('\n\n') + '\n'
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(POSTGRES_SCHEMA, postgresSchema(readFileSync(SQLITE_SCHEMA, 'utf8')));
  console.log('wrote prisma/postgresql/schema.prisma');
}
