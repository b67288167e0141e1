import { render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { Provider, type Client, type GraphQLRequest } from 'urql';
import { vi } from 'vitest';
import { fromValue, never } from 'wonka';
import { print } from 'graphql';

export interface MockCall {
  operationName: string;
  variables: Record<string, unknown>;
}

/**
 * Renders `ui` with a stand-in GraphQL client. `respond` returns the `data`
 * for each mutation; queries and subscriptions never answer.
 */
export function renderWithClient(ui: ReactElement, respond: (call: MockCall) => unknown) {
  const calls: MockCall[] = [];
  const operationName = (request: GraphQLRequest) => /(?:mutation|query|subscription)\s+(\w+)/.exec(print(request.query))?.[1] ?? '';
  const client = {
    executeMutation: vi.fn((request: GraphQLRequest) => {
      const call = { operationName: operationName(request), variables: request.variables as Record<string, unknown> };
      calls.push(call);
      return fromValue({ operation: request, data: respond(call), stale: false, hasNext: false });
    }),
    executeQuery: vi.fn(() => never),
    executeSubscription: vi.fn(() => never),
  } as unknown as Client;
  const wrapper = ({ children }: { children: ReactNode }) => <Provider value={client}>{children}</Provider>;
  const utils = render(ui, { wrapper });
  return { ...utils, calls, client };
}
