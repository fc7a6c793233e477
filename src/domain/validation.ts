/**
 * The one way a failed validation becomes INVALID_INPUT, for REST bodies and queries, GraphQL
 * arguments and the environment alike: each issue names where it is (`gpus[0].vram_mb`, `input.minerId`)
 * and what is wrong. The message carries the first few; the error also keeps them structured
 * (`issues`, up to ISSUES_MAX), so a client can point at the field without reading the message.
 * Client text is quoted and cut, so no message repeats more than a few dozen characters of input.
 */
import type { z } from 'zod';
import { InvalidInputError, type InputIssue } from './errors.js';

/** The most characters of client input a message repeats. */
const ECHO_CHARS_MAX = 40;
/** A key longer than this is cut in a path. */
const KEY_CHARS_MAX = 32;
/** Issues a message names; the rest are counted. */
const SHOWN_MAX = 4;
/** Issues an error keeps structured (a hostile array could fail thousands of times). */
export const ISSUES_MAX = 20;

/** An issue as zod and Standard Schema (Pothos' validation plugin) report it. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
  readonly code?: string;
  readonly keys?: readonly string[];
}

export interface IssueNaming {
  /** What the value as a whole is called: `body`, `query`, `input`, or one field's name (`miner_id`). */
  name?: string;
  /** A key as the client spells it (REST bodies are snake_case; the shared schemas are camelCase). */
  nameOf?: (key: string) => string;
  /** How many issues the message names (the environment's are all worth reading). */
  shownMax?: number;
}

/** Client text quoted in a message: JSON-quoted (no control characters) and cut to a few dozen characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > ECHO_CHARS_MAX ? `${text.slice(0, ECHO_CHARS_MAX)}…` : text);
}

/** A field's place for messages, e.g. `metadata.tags[2]`; long keys are cut. */
export function fieldPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const name = key.length > KEY_CHARS_MAX ? `${key.slice(0, KEY_CHARS_MAX)}…` : key;
  return path ? `${path}.${name}` : name;
}

function inputIssue(issue: SchemaIssue, { name = 'input', nameOf = (k) => k }: IssueNaming): InputIssue {
  const keys = (issue.path ?? []).map((p) => (typeof p === 'object' && p !== null ? p.key : p));
  const path = keys.reduce<string>((at, k) => fieldPath(at, typeof k === 'number' ? k : nameOf(String(k))), '') || name;
  const unknownKeys = issue.code === 'unrecognized_keys' ? (issue.keys ?? []) : [];
  const message =
    unknownKeys.length > 0
      ? `unknown field ${quote(unknownKeys[0]!)}${unknownKeys.length > 1 ? ` and ${unknownKeys.length - 1} more` : ''}`
      : issue.message;
  return { path, message };
}

/** One short message: the first few issues, each as `path: message`, and how many more there are. */
export function issuesMessage(issues: readonly InputIssue[], total = issues.length, shownMax = SHOWN_MAX): string {
  const shown = issues.slice(0, shownMax).map((i) => `${i.path}: ${i.message}`);
  return `${shown.join('; ')}${total > shown.length ? `; and ${total - shown.length} more` : ''}`;
}

/** The failure's issues, structured (at most ISSUES_MAX) and as one message. */
export function describeIssues(
  issues: readonly SchemaIssue[],
  naming: IssueNaming = {},
): { message: string; issues: InputIssue[] } {
  const described = issues.slice(0, Math.max(ISSUES_MAX, naming.shownMax ?? 0)).map((i) => inputIssue(i, naming));
  return { message: issuesMessage(described, issues.length, naming.shownMax), issues: described.slice(0, ISSUES_MAX) };
}

/** INVALID_INPUT for a failed validation, with its message and structured issues. */
export function invalidInput(issues: readonly SchemaIssue[], naming: IssueNaming = {}): InvalidInputError {
  const described = describeIssues(issues, naming);
  return new InvalidInputError(described.message, described.issues);
}

/** INVALID_INPUT about one field: `path: message`, and the same as its one issue. */
export const invalidField = (path: string, message: string) =>
  new InvalidInputError(`${path}: ${message}`, [{ path, message }]);

/** The value as the schema parses it, or INVALID_INPUT naming each issue. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, naming: IssueNaming = {}): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(parsed.error.issues, naming);
  return parsed.data;
}
