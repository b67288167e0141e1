import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Generates typed documents for every `graphql()` call in src/ from the
 * portal's GraphQL contract. Re-run `npm run codegen` after the schema changes.
 * PORTAL_SCHEMA points at another SDL file (default: ../shared/schema.graphql).
 */
const schema = process.env.PORTAL_SCHEMA || '../shared/schema.graphql';

const config: CodegenConfig = {
  schema,
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*', '!src/**/*.test.{ts,tsx}'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        scalars: {
          Date: 'string',
          DateTime: 'string',
          JSON: 'unknown',
          // File sizes: a JSON number (past 2^31, below 2^53).
          BigInt: 'number',
        },
        strictScalars: true,
        skipTypename: false,
        nonOptionalTypename: true,
      },
    },
  },
};

export default config;
