/**
 * What a GraphQL request may ask for, checked before anything runs: nesting, tokens, depth, aliases,
 * repeated fields and cost of the document, the nesting of its variables, and introspection where it
 * is off. Every refusal is one error with a stable code and no `data`: QUERY_TOO_COMPLEX for the
 * document's shape, which yoga answers with HTTP 400 to clients that accept
 * application/graphql-response+json and 200 to application/json clients, as the GraphQL-over-HTTP spec
 * says. Each check is linear in the document and stops at the first refusal, so refusing takes
 * milliseconds (bench/limits.ts).
 *
 * Why not GraphQL Armor's cost-limit: it multiplies only by a literal `first` and knows neither a
 * default page size, nor a `first` given as a variable, nor lists sized by other arguments (price
 * history buckets). The cost rule below is short and says exactly what a field costs.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isObjectType,
  type ArgumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  validate,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE, MAX_PAGE } from '../attestation/inventory.js';

export const QUERY_LIMITS = {
  DEPTH_MAX: 12,
  ALIASES_MAX: 50,
  /** Selections of one response name in one selection set (graphql-js compares every pair of them). */
  FIELD_REPEATS_MAX: 20,
  TOKENS_MAX: 5000,
  /** Braces and brackets, checked before parsing: graphql-js parses recursively. */
  NESTING_MAX: 64,
  /** JSON nesting of the variables; the deepest input (a lock's metadata) needs far less. */
  VARIABLES_DEPTH_MAX: 32,
  BODY_BYTES_MAX: 256 * 1024,
} as const;

/** The refusal of a document by its shape. */
export function queryTooComplex(message: string): GraphQLError {
  return new GraphQLError(message.replace(/^Syntax Error: /, ''), {
    // `spec`: yoga answers 400 to graphql-response+json clients and 200 to application/json ones.
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400, spec: true } },
  });
}

/** GraphQL Armor's checks report through this: thrown, it stops parsing or validation at once. */
const refuse = [
  (_ctx: unknown, error: GraphQLError) => {
    throw queryTooComplex(error.message);
  },
];

export interface QueryLimitOptions {
  costMax: number;
  /** Introspection (and with it GraphiQL) is allowed. */
  introspection: boolean;
}

/** The limits, in the order they apply: before parsing, while parsing, validation, then the variables. */
export function queryLimitPlugins(options: QueryLimitOptions): Plugin[] {
  return [
    nestingPlugin(),
    maxTokensPlugin({ n: QUERY_LIMITS.TOKENS_MAX, onReject: refuse }),
    shapeRulesFirst([
      maxDepthRule({ n: QUERY_LIMITS.DEPTH_MAX, ignoreIntrospection: true, flattenFragments: true, onReject: refuse }),
      maxAliasesRule({ n: QUERY_LIMITS.ALIASES_MAX, onReject: refuse }),
      fieldRepeatsRule(QUERY_LIMITS.FIELD_REPEATS_MAX),
      costLimitRule(options.costMax),
    ]),
    validationAbortedIsTooComplex(),
    ...(options.introspection ? [] : [validationRulePlugin(NoSchemaIntrospectionCustomRule)]),
    variablesDepthPlugin(),
  ];
}

/**
 * Runs the shape rules as a validation pass of their own, before graphql-js's rules: a refused
 * document then costs one linear walk, whereas the overlapping-fields rule is quadratic in the
 * fields of a selection (and a fragment defined before the operation is checked before the operation).
 */
function shapeRulesFirst(rules: ValidationRule[]): Plugin {
  // yoga's parser cache hands the same document object to every request with the same text.
  const passed = new WeakSet<object>();
  return {
    onValidate: ({ params, setResult }) => {
      if (passed.has(params.documentAST)) return;
      const errors = validate(params.schema, params.documentAST, rules); // a refusal is thrown
      if (errors.length > 0) setResult(errors);
      else passed.add(params.documentAST);
    },
  };
}

/** graphql-js gives up validating a document whose overlapping fields take too much work: too complex too. */
function validationAbortedIsTooComplex(): Plugin {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (!result.some((e) => e.message === 'Validation aborted.')) return;
        setResult([queryTooComplex('the document has too many overlapping fields to validate')]);
      },
  };
}

/**
 * Refuses a document nested deeper than NESTING_MAX before it is parsed: graphql-js's parser recurses
 * once per level, and a 10,000-deep `{a{a{…` overflows the stack before the token limit is reached.
 */
function nestingPlugin(): Plugin {
  return {
    onParse: ({ params }) => {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (nestingDepth(source) <= QUERY_LIMITS.NESTING_MAX) return;
      throw queryTooComplex(`the document is nested deeper than ${QUERY_LIMITS.NESTING_MAX} levels`);
    },
  };
}

/** The deepest nesting of `{` and `[` in a GraphQL document, outside strings and comments; linear. */
export function nestingDepth(source: string): number {
  let depth = 0;
  let deepest = 0;
  let i = 0;
  while (i < source.length) {
    if (source[i] === '#') i = lineEnd(source, i);
    else if (source.startsWith('"""', i)) i = blockStringEnd(source, i + 3);
    else if (source[i] === '"') i = stringEnd(source, i + 1);
    else {
      if (source[i] === '{' || source[i] === '[') deepest = Math.max(deepest, ++depth);
      else if (source[i] === '}' || source[i] === ']') depth--;
      i++;
    }
  }
  return deepest;
}

const lineEnd = (source: string, from: number) => {
  const end = source.indexOf('\n', from);
  return end < 0 ? source.length : end + 1;
};

/** Past the closing `"""` (an escaped `\"""` does not close). */
function blockStringEnd(source: string, from: number): number {
  let i = from;
  while (i < source.length && !(source.startsWith('"""', i) && source[i - 1] !== '\\')) i++;
  return i + 3;
}

/** Past the closing quote; a string ends at a line end at the latest. */
function stringEnd(source: string, from: number): number {
  let i = from;
  while (i < source.length && source[i] !== '"' && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

function validationRulePlugin(rule: ValidationRule): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}

/** Over HTTP; graphql-ws calls `checkVariablesDepth` itself. */
function variablesDepthPlugin(): Plugin {
  return { onParams: ({ params }) => checkVariablesDepth(params.variables) };
}

/**
 * Refuses variables nested deeper than VARIABLES_DEPTH_MAX (an array in an array … 100,000 deep would
 * overflow the stack of whatever walks it later). Iterative, so that the check itself cannot.
 */
export function checkVariablesDepth(variables: unknown): void {
  const stack: [unknown, number][] = [[variables, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= QUERY_LIMITS.VARIABLES_DEPTH_MAX) {
      throw new GraphQLError(`variables are nested deeper than ${QUERY_LIMITS.VARIABLES_DEPTH_MAX} levels`, {
        extensions: { code: 'INVALID_INPUT', http: { status: 400 } },
      });
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}

/**
 * Refuses a selection set that selects one response name more than `max` times (inline fragments
 * included): graphql-js's overlapping-fields rule compares each pair of them, and 500 copies of
 * `marketRates { jobType }` cost it 70 ms before it gives up.
 */
export function fieldRepeatsRule(max: number): ValidationRule {
  return () => ({
    SelectionSet(selectionSet) {
      const repeats = new Map<string, number>();
      const count = (set: SelectionSetNode) => {
        for (const selection of set.selections) {
          if (selection.kind === Kind.INLINE_FRAGMENT) count(selection.selectionSet);
          if (selection.kind !== Kind.FIELD) continue;
          const name = (selection.alias ?? selection.name).value;
          const n = (repeats.get(name) ?? 0) + 1;
          if (n > max) throw queryTooComplex(`"${name}" is selected more than ${max} times in one selection set`);
          repeats.set(name, n);
        }
      };
      count(selectionSet);
    },
  });
}

/**
 * The cost of an operation: every field that returns an object costs 1 plus the cost of its
 * selection (scalars and enums are free), and a list field costs that times its size:
 * - a `first`/`last` argument: its value; given as a variable, the variable's default or else the
 *   largest page (validation runs before variables are known); absent, the argument's default or
 *   the default page;
 * - `nodes(ids)`: the number of ids (the largest page when a variable);
 * - `priceHistory`: its number of buckets (at most the service's 1,000);
 * - any other list: 1 (connection edges are paid for by the connection's `first`).
 * Introspection is free: its size is the schema's.
 */
export function costLimitRule(costMax: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const cost = operationCost(context, operation);
      if (cost > costMax)
        throw queryTooComplex(`query cost ${cost} exceeds the budget of ${costMax} (a list field costs its first)`);
    },
  });
}

function operationCost(context: ValidationContext, operation: OperationDefinitionNode): number {
  const schema = context.getSchema();
  const variableDefaults = new Map<string, ValueNode | undefined>();
  for (const v of operation.variableDefinitions ?? []) variableDefaults.set(v.variable.name.value, v.defaultValue);
  const fragmentCosts = new Map<string, number>();

  function selectionCost(selectionSet: SelectionSetNode, parentType: GraphQLNamedType | null | undefined): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) total += fieldCost(selection, parentType);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        total += selectionCost(selection.selectionSet, type);
      } else {
        const name = selection.name.value;
        if (!fragmentCosts.has(name)) {
          fragmentCosts.set(name, 0); // a cycle costs nothing here; NoFragmentCycles refuses it
          const fragment = context.getFragment(name);
          if (fragment)
            fragmentCosts.set(
              name,
              selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value)),
            );
        }
        total += fragmentCosts.get(name)!;
      }
    }
    return total;
  }

  function fieldCost(node: FieldNode, parentType: GraphQLNamedType | null | undefined): number {
    if (node.name.value === '__schema' || node.name.value === '__type') return 0;
    if (!isObjectType(parentType) && !isInterfaceType(parentType)) return 0;
    const field = parentType.getFields()[node.name.value];
    if (!field) return 0; // FieldsOnCorrectTypeRule reports it
    const type = getNamedType(field.type);
    if (isLeafType(type) || !node.selectionSet) return 0;
    return (
      listSize(`${parentType.name}.${field.name}`, field, node.arguments ?? []) *
      (1 + selectionCost(node.selectionSet, type))
    );
  }

  /** An Int argument's value as far as validation can know it: literal, variable default, or `unknown`. */
  function intArgument(args: readonly ArgumentNode[], name: string, unknown: number): number | undefined {
    const arg = args.find((a) => a.name.value === name);
    if (!arg) return undefined;
    const value = arg.value.kind === Kind.VARIABLE ? variableDefaults.get(arg.value.name.value) : arg.value;
    return value?.kind === Kind.INT ? Number(value.value) : unknown;
  }

  function listSize(coordinate: string, field: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[]): number {
    const sizedBy = ['first', 'last'].filter((name) => field.args.some((a) => a.name === name));
    if (sizedBy.length > 0) {
      const given = sizedBy.map((name) => intArgument(args, name, MAX_PAGE)).filter((n) => n !== undefined);
      if (given.length > 0) return Math.max(1, ...given);
      const declared = field.args.find((a) => a.name === 'first')?.defaultValue;
      return typeof declared === 'number' ? declared : DEFAULT_PAGE;
    }
    const sizeOf = LIST_SIZES[coordinate];
    if (sizeOf) return sizeOf(args, variableDefaults);
    return 1;
  }

  return selectionCost(operation.selectionSet, schema.getRootType(operation.operation));
}

type ListSize = (args: readonly ArgumentNode[], variableDefaults: Map<string, ValueNode | undefined>) => number;

/** The service answers at most this many price history buckets. */
const PRICE_HISTORY_BUCKETS_MAX = 1000;
const BUCKET_S: Record<string, number> = { HOUR: 3600, DAY: 86_400 };

/** Lists whose size other arguments decide. */
const LIST_SIZES: Record<string, ListSize> = {
  'Query.nodes': (args) => {
    const ids = args.find((a) => a.name.value === 'ids')?.value;
    return ids?.kind === Kind.LIST ? Math.max(1, ids.values.length) : MAX_PAGE;
  },
  'Query.priceHistory': (args, variableDefaults) => {
    const literal = (name: string) => {
      const value = args.find((a) => a.name.value === name)?.value;
      const resolved = value?.kind === Kind.VARIABLE ? variableDefaults.get(value.name.value) : value;
      return resolved?.kind === Kind.STRING || resolved?.kind === Kind.ENUM ? resolved.value : undefined;
    };
    const [from, to, bucket] = [literal('from'), literal('to'), literal('bucket')];
    const spanS = (Date.parse(to ?? '') - Date.parse(from ?? '')) / 1000;
    const bucketS = BUCKET_S[bucket ?? ''];
    if (!bucketS || !Number.isFinite(spanS)) return PRICE_HISTORY_BUCKETS_MAX;
    return Math.min(PRICE_HISTORY_BUCKETS_MAX, Math.max(1, Math.ceil(spanS / bucketS)));
  },
};
