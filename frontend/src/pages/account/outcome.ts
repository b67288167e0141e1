import { mapFieldErrors, type FieldErrorLike } from '../../lib/fieldErrors';
import { formatWait } from '../../lib/format';

/** The parts of a refusal a form shows: messages by field, and one sentence for the form. */
export interface Refusal {
  fields: Record<string, string>;
  message: string;
}

interface RefusalLike {
  __typename: string;
  code?: string;
  message?: string;
  field?: string | null;
  fieldErrors?: readonly FieldErrorLike[];
  retryAfterSeconds?: number;
}

/**
 * An error member of a mutation's answer as a Refusal: InvalidInput puts each problem at its
 * field, RateLimited says how long to wait, others keep the server's message.
 */
export function refusal(outcome: RefusalLike, fallback = 'That did not work.'): Refusal {
  const fields = mapFieldErrors(outcome.fieldErrors);
  if (outcome.field && outcome.message && !(outcome.field in fields) && outcome.__typename !== 'InvalidInput') {
    fields[outcome.field] = outcome.message;
  }
  if (outcome.__typename === 'RateLimited') {
    const wait = outcome.retryAfterSeconds ?? 0;
    return { fields: {}, message: `${outcome.message || 'Too many attempts.'} Try again in ${formatWait(wait)}.` };
  }
  if (outcome.__typename === 'InvalidInput') {
    const count = Object.keys(fields).length;
    return { fields, message: count > 1 ? 'Please correct the highlighted fields.' : outcome.message || fallback };
  }
  return { fields, message: outcome.message || fallback };
}
