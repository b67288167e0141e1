import type { ReactNode } from 'react';
import type { CustomFieldLike } from '../lib/customFields';
import { SelectField } from './SelectField';
import { TextField } from './TextField';

interface CustomValueInputProps {
  id: string;
  field: Pick<CustomFieldLike, 'name' | 'type' | 'options' | 'required'>;
  label?: ReactNode;
  value: string;
  onValueChange: (value: string) => void;
  error?: string | null;
  hint?: ReactNode;
}

/** The input for one custom field value: a date picker, a decimal input, a select of the options or a text input. */
export function CustomValueInput({ id, field, label = field.name, value, onValueChange, error, hint }: CustomValueInputProps) {
  if (field.type === 'CHOICE') {
    return (
      <SelectField id={id} label={label} value={value} onValueChange={onValueChange} error={error} hint={hint}>
        <option value="">{field.required ? 'Select an option' : '(none)'}</option>
        {field.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
        {value && !field.options.includes(value) ? <option value={value}>{value}</option> : null}
      </SelectField>
    );
  }
  return (
    <TextField
      id={id}
      label={label}
      value={value}
      onValueChange={onValueChange}
      error={error}
      hint={hint}
      autoComplete="off"
      {...(field.type === 'DATE'
        ? { type: 'date' }
        : field.type === 'NUMBER'
          ? { inputMode: 'decimal' as const, spellCheck: false }
          : { type: 'text' })}
    />
  );
}
