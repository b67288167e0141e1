import type { CustomFieldType } from '../gql/graphql';
import { formatDate } from './format';

export interface CustomFieldLike {
  id: string;
  name: string;
  type: CustomFieldType;
  options: readonly string[];
  required: boolean;
  position: number;
}

export const CUSTOM_FIELD_TYPES: readonly { type: CustomFieldType; label: string }[] = [
  { type: 'TEXT', label: 'Text' },
  { type: 'NUMBER', label: 'Number' },
  { type: 'DATE', label: 'Date' },
  { type: 'CHOICE', label: 'Choice' },
];

export function customFieldTypeLabel(type: CustomFieldType): string {
  return CUSTOM_FIELD_TYPES.find((t) => t.type === type)?.label ?? type;
}

/** A stored value as the tables show it: dates in the browser's format, the rest as stored. */
export function formatCustomValue(type: CustomFieldType, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  return type === 'DATE' ? formatDate(value) : value;
}

/** Fields by position (the server sends them so; kept stable for merged lists). */
export function byPosition<T extends { position: number; name: string }>(fields: readonly T[]): T[] {
  return [...fields].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
}

export interface CustomFieldDraft {
  name: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
}

/**
 * Checks a custom field form before it is sent: a name, and for CHOICE at
 * least one option without duplicates. Returns field → message.
 */
export function validateCustomFieldDraft(draft: CustomFieldDraft, otherNames: readonly string[] = []): Record<string, string> {
  const errors: Record<string, string> = {};
  const name = draft.name.trim();
  if (!name) errors['name'] = 'Enter a name for the field.';
  else if (name.length > 100) errors['name'] = 'The name can have at most 100 characters.';
  else if (otherNames.some((other) => other.trim().toLowerCase() === name.toLowerCase())) {
    errors['name'] = `A field named "${name}" already exists.`;
  }
  if (draft.type === 'CHOICE') {
    const options = draft.options.map((o) => o.trim()).filter(Boolean);
    if (options.length === 0) errors['options'] = 'A choice field needs at least one option.';
    else {
      const seen = new Set<string>();
      const duplicate = options.find((o) => {
        const key = o.toLowerCase();
        if (seen.has(key)) return true;
        seen.add(key);
        return false;
      });
      if (duplicate) errors['options'] = `The option "${duplicate}" is listed twice.`;
    }
  }
  return errors;
}

/** The options to send: trimmed, without empty lines; none for other types. */
export function cleanOptions(draft: CustomFieldDraft): string[] {
  return draft.type === 'CHOICE' ? draft.options.map((o) => o.trim()).filter(Boolean) : [];
}
