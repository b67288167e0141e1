export interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown> | null;
}

export interface CombinedErrorLike {
  graphQLErrors?: readonly GraphQLErrorLike[];
  networkError?: unknown;
  response?: unknown;
}

const AUTH_CODES = new Set(['UNAUTHENTICATED', 'NOT_AUTHENTICATED', 'NOT_SIGNED_IN', 'AUTHENTICATION_REQUIRED', 'SESSION_EXPIRED']);
const AUTH_MESSAGE = /\b(not (signed|logged) in|unauthenticated|authentication required|sign in required|login required|session (has )?expired)\b/i;

/**
 * True when a GraphQL or HTTP error means the session is gone, so the
 * portal should send the user to the sign-in page.
 */
export function isAuthError(error: CombinedErrorLike | null | undefined): boolean {
  if (!error) return false;
  for (const e of error.graphQLErrors ?? []) {
    const code = e.extensions?.['code'];
    if (typeof code === 'string' && AUTH_CODES.has(code.toUpperCase())) return true;
    if (AUTH_MESSAGE.test(e.message)) return true;
  }
  const response = error.response as { status?: unknown } | undefined;
  return response?.status === 401;
}
