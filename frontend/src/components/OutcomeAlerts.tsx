import { Alert } from './Alert';

export interface ActionError {
  title: string;
  text: string;
}

/** The outcome of the last action on a page: an error with its title, or a success notice. */
export function OutcomeAlerts({ error, notice }: { error: ActionError | null; notice: string | null }) {
  return (
    <>
      {error ? (
        <Alert tone="error" title={error.title}>
          <p>{error.text}</p>
        </Alert>
      ) : null}
      {notice ? (
        <Alert tone="success">
          <p>{notice}</p>
        </Alert>
      ) : null}
    </>
  );
}
