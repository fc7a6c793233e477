/**
 * prisma/postgresql/schema.prisma is generated from prisma/schema.prisma (scripts/prisma-postgres.ts): it is fresh,
 * it changes only the provider, the client and every Int into a BigInt (SQLite's INTEGER is 64-bit), and a field type
 * nobody has decided a PostgreSQL form for stops it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POSTGRES_SCHEMA, SQLITE_SCHEMA, postgresSchema } from '../scripts/prisma-postgres.js';

const sqlite = readFileSync(SQLITE_SCHEMA, 'utf8');

function models(schema: string): string[] {
  return [...schema.matchAll(/^(?:\/\/\/[^\n]*\n)*model \w+ \{\n[\s\S]*?^\}/gm)].map((m) => m[0]);
}

/** A model's lines with their spacing collapsed: the columns after a field's type may shift. */
function fields(model: string): string[] {
  return model.split('\n').map((line) => line.trim().replace(/\s+/g, ' '));
}

function intAsBigInt(line: string): string {
  return line.replace(/^(\w+) Int(\??)(?= |$)/, '$1 BigInt$2');
}

describe('prisma/postgresql/schema.prisma', () => {
  it('is generated from prisma/schema.prisma (run `npm run prisma:postgres` after changing it)', () => {
    expect(readFileSync(POSTGRES_SCHEMA, 'utf8')).toBe(postgresSchema(sqlite));
  });

  it('has every model of the SQLite schema, each Int a BigInt, on the postgresql provider with its own client', () => {
    const postgres = postgresSchema(sqlite);
    expect(models(postgres).map(fields)).toEqual(models(sqlite).map((model) => fields(model).map(intAsBigInt)));
    expect(models(postgres).join('\n')).not.toMatch(/^\s+\w+\s+Int\b/m);
    const escrow = models(postgres).find((model) => model.includes('model Escrow {'))!;
    expect(escrow).toMatch(/^ {2}expiresAt +BigInt +@map\("expires_at"\)$/m);
    expect(escrow).toMatch(/^ {2}reviewUntil +BigInt\? +@map\("review_until"\)$/m);
    expect(escrow).toMatch(/^ {2}id +BigInt +@id @default\(autoincrement\(\)\)$/m);
    expect(models(postgres).length).toBeGreaterThanOrEqual(18);
    expect(postgres).toMatch(/datasource db \{\n {2}provider = "postgresql"/);
    expect(postgres).toContain('output     = "../../src/generated/postgres-client"');
    expect(postgres).not.toContain('prisma-pothos-types');
  });

  it('refuses a field type whose PostgreSQL form nobody has decided', () => {
    const withDate = sqlite.replace(/(model Lease \{\n)/, '$1  renewedAt DateTime @map("renewed_at")\n');
    expect(() => postgresSchema(withDate)).toThrow(/Lease\.renewedAt is a DateTime/);
    const withNativeType = sqlite.replace(/(model Lease \{\n)/, '$1  note String @db.VarChar(10)\n');
    expect(() => postgresSchema(withNativeType)).toThrow(/Lease\.note: native type/);
  });
});
