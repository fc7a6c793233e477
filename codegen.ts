/**
 * Typed GraphQL operations for the tests and the example clients, generated from schema.graphql:
 * `npm run codegen` after changing the schema or an operation (test/codegen.test.ts checks freshness).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', 'examples/**/*.ts', '!src/client/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'src/client/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { Urtc: 'string', DateTime: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
