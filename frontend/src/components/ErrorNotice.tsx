import type { CombinedError } from 'urql';
import { Alert } from './Alert';

/** A readable sentence for a failed GraphQL request. */
export function describeError(error: CombinedError): string {
  if (error.networkError) {
    return 'The portal could not be reached. Check your connection and try again.';
  }
  const messages = error.graphQLErrors.map((e) => e.message).filter(Boolean);
  return messages.length ? messages.join(' ') : 'Something went wrong. Please try again.';
}

interface ErrorNoticeProps {
  error: CombinedError;
  title?: string;
  onRetry?: () => void;
}

/** Shows a request error with an optional "Try again" button. */
export function ErrorNotice({ error, title = 'Something went wrong', onRetry }: ErrorNoticeProps) {
  return (
    <Alert tone="error" title={title}>
      <p>{describeError(error)}</p>
      {onRetry ? (
        <p>
          <button type="button" className="button button--secondary button--small" onClick={onRetry}>
            Try again
          </button>
        </p>
      ) : null}
    </Alert>
  );
}
