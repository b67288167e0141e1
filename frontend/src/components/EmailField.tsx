import { TextField, type TextFieldProps } from './TextField';

/** A required TextField for someone's e-mail address (not the user's own, so the browser does not fill it in). */
export function EmailField(props: Omit<TextFieldProps, 'type' | 'inputMode' | 'autoComplete' | 'required'>) {
  return <TextField type="email" inputMode="email" autoComplete="off" required {...props} />;
}
