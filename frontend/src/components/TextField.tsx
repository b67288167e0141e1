import { forwardRef, type InputHTMLAttributes, type ReactNode } from 'react';
import { describedBy, FieldNotes, fieldClassName } from './FieldNotes';

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  id: string;
  label: ReactNode;
  value: string;
  onValueChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | null;
  optional?: boolean;
}

/**
 * A labelled input with optional hint and error. The error is linked with
 * aria-describedby and marks the input aria-invalid.
 */
export const TextField = forwardRef<HTMLInputElement, TextFieldProps>(function TextField(
  { id, label, value, onValueChange, hint, error, optional, className, ...rest },
  ref,
) {
  return (
    <div className={fieldClassName(error, className)}>
      <label className="field__label" htmlFor={id}>
        {label}
        {optional ? <span className="field__optional"> (optional)</span> : null}
      </label>
      <input
        ref={ref}
        id={id}
        className="input"
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy({ id, hint, error })}
        {...rest}
      />
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
});
