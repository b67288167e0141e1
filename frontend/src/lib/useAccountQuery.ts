import { useMemo } from 'react';
import { useQuery, type TypedDocumentNode } from 'urql';

/**
 * Reads `query` for one account (paused while there is none), cached and
 * refreshed in the background. `typename` names the type whose mutations make
 * the answer stale, when the answer may be empty of it (e.g. the first custom field).
 * Returns the result and `reload`, which reads it again from the network.
 */
export function useAccountQuery<Data>(query: TypedDocumentNode<Data, { accountId: string }>, accountId: string, typename?: string) {
  const [result, reexecute] = useQuery({
    query,
    variables: { accountId },
    pause: !accountId,
    requestPolicy: 'cache-and-network',
    context: useMemo(() => (typename ? { additionalTypenames: [typename] } : undefined), [typename]),
  });
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  return [result, reload] as const;
}
