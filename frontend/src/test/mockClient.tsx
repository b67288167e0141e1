import { render } from '@testing-library/react';
import { print } from 'graphql';
import type { ReactElement, ReactNode } from 'react';
import { Provider, type Client, type GraphQLRequest } from 'urql';
import { vi } from 'vitest';
import { fromValue, never } from 'wonka';

export interface MockCall {
  operationName: string;
  variables: Record<string, unknown>;
}

export interface MockResponders {
  /** `data` for a mutation. */
  mutation?: (call: MockCall) => unknown;
  /** `data` for a query; undefined leaves the query loading. */
  query?: (call: MockCall) => unknown;
}

/** A stand-in GraphQL client that answers from `responders` and records every mutation. */
export function makeMockClient(responders: MockResponders, calls: MockCall[] = []): Client {
  const toCall = (request: GraphQLRequest): MockCall => ({
    operationName: /(?:mutation|query|subscription)\s+(\w+)/.exec(print(request.query))?.[1] ?? '',
    variables: (request.variables ?? {}) as Record<string, unknown>,
  });
  const answer = (request: GraphQLRequest, data: unknown) =>
    data === undefined ? never : fromValue({ operation: request, data, stale: false, hasNext: false });
  return {
    executeMutation: vi.fn((request: GraphQLRequest) => {
      const call = toCall(request);
      calls.push(call);
      return answer(request, responders.mutation?.(call) ?? null);
    }),
    executeQuery: vi.fn((request: GraphQLRequest) => answer(request, responders.query?.(toCall(request)))),
    executeSubscription: vi.fn(() => never),
  } as unknown as Client;
}

/** Renders `ui` under a mock client whose mutations answer with `respond`. */
export function renderWithClient(ui: ReactElement, respond: (call: MockCall) => unknown) {
  const calls: MockCall[] = [];
  const client = makeMockClient({ mutation: respond }, calls);
  const wrapper = ({ children }: { children: ReactNode }) => <Provider value={client}>{children}</Provider>;
  const utils = render(ui, { wrapper });
  return { ...utils, calls, client };
}
