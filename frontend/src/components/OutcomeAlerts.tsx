import type { ReactNode } from 'react';
import { Alert } from './Alert';

export interface ActionError {
  title: string;
  text: string;
}

/** The outcome of the last action on a page: an error with its title, or a notice (success unless told). */
export function OutcomeAlerts({
  error,
  notice,
  noticeTone = 'success',
}: {
  error: ActionError | null;
  notice: ReactNode;
  noticeTone?: 'success' | 'info';
}) {
  return (
    <>
      {error ? (
        <Alert tone="error" title={error.title}>
          <p>{error.text}</p>
        </Alert>
      ) : null}
      {notice ? (
        <Alert tone={noticeTone}>
          <p>{notice}</p>
        </Alert>
      ) : null}
    </>
  );
}
