import type { ReactNode } from 'react';

interface FieldNotesProps {
  /** The input's id; the notes' ids derive from it. */
  id: string;
  hint?: ReactNode;
  error?: string | null;
}

/** The field wrapper's classes: marked invalid while there is an error. */
export function fieldClassName(error: string | null | undefined, className: string | undefined): string {
  return `field${error ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`;
}

/** The input's aria-describedby: the ids of the hint and error FieldNotes shows, if any. */
export function describedBy({ id, hint, error }: FieldNotesProps): string | undefined {
  return [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
}

/** A field's hint and error under its input. */
export function FieldNotes({ id, hint, error }: FieldNotesProps) {
  return (
    <>
      {hint ? (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field__error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}
