/**
 * Typed GraphQL operations generated from schema.graphql: `npm run codegen` after changing the schema or an
 * operation (test/codegen.test.ts checks freshness). Two outputs: the tests' and example clients' operations
 * (strings, sent by hand), and the web console's (documents urql sends), so that neither bundles the other's.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const shared = {
  emitLegacyCommonJSImports: false,
  enumsAsTypes: true,
  useTypeImports: true,
  scalars: { Urtc: 'string', DateTime: 'string', JSONObject: 'Record<string, unknown>' },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'src/client/gql/': {
      documents: ['test/**/*.ts', 'examples/**/*.ts', '!src/client/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { ...shared, documentMode: 'string' },
    },
    'web/src/gql/': {
      documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: shared,
    },
  },
};

export default config;
