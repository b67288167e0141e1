export interface FieldErrorLike {
  field: string;
  code: string;
  message: string;
}

/** Prefixes the server may put in front of a field path; the form uses bare paths. */
const PREFIXES = ['input.', 'registration.'];

/** Normalises a server field path ("input.registration.address.city") to the form's ("address.city"). */
export function normaliseFieldPath(field: string): string {
  let path = field.trim();
  let changed = true;
  while (changed) {
    changed = false;
    for (const prefix of PREFIXES) {
      if (path.startsWith(prefix)) {
        path = path.slice(prefix.length);
        changed = true;
      }
    }
  }
  return path;
}

/**
 * Turns InvalidInput.fieldErrors into a map of field path → message. When the
 * server reports several problems for one field, their messages are joined.
 */
export function mapFieldErrors(fieldErrors: readonly FieldErrorLike[] | null | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const error of fieldErrors ?? []) {
    const path = normaliseFieldPath(error.field);
    const message = error.message || error.code;
    map[path] = map[path] ? `${map[path]} ${message}` : message;
  }
  return map;
}

/** The first field, in form order, that has an error; null when none of them do. */
export function firstErrorField(errors: Record<string, string>, formOrder: readonly string[]): string | null {
  return formOrder.find((field) => field in errors) ?? null;
}

/** Errors whose field is not part of the form: shown in a summary above it. */
export function unplacedErrors(errors: Record<string, string>, formOrder: readonly string[]): string[] {
  const known = new Set(formOrder);
  return Object.entries(errors)
    .filter(([field]) => !known.has(field))
    .map(([, message]) => message);
}

/** A DOM id for a field path, e.g. "technicalContact.email" → "f-technicalContact-email". */
export function fieldDomId(path: string, prefix = 'f'): string {
  return `${prefix}-${path.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

/** What an InvalidInput answer says about one field: its field errors for it, else its own message when it names that field. */
export function fieldMessage(
  outcome: { field: string | null; message: string; fieldErrors: readonly FieldErrorLike[] | null | undefined },
  field: string,
): string | null {
  return mapFieldErrors(outcome.fieldErrors)[field] ?? (outcome.field === field ? outcome.message : null);
}
