import { formatWait } from '../../lib/format';

/** Fallback texts for error codes when the server sends no message. */
export const NOT_EDITABLE_MESSAGES: Record<string, string> = {
  NOT_EDITABLE: 'This key request can no longer be changed.',
  EXPIRED: 'This key request has expired. Start a new one to get your keys.',
  INCOMPLETE: 'Some information is still missing. Please complete the previous steps.',
  ALREADY_CONFIRMED: 'This key request has already been confirmed.',
  NOT_FOUND: 'This key request could not be found.',
};

export function userErrorText(error: { code: string; message: string }): string {
  return error.message || NOT_EDITABLE_MESSAGES[error.code] || 'The request could not be completed.';
}

/** A RateLimited answer as a sentence: its message (or `fallback`) and how long to wait. */
export function rateLimitedText(outcome: { message: string; retryAfterSeconds: number }, fallback: string): string {
  return `${outcome.message || fallback} Try again in ${formatWait(outcome.retryAfterSeconds)}.`;
}
