import { useState } from 'react';
import { isEmailAddress } from '../lib/email';

/**
 * State of a form that sends one e-mail address: the address, the error under
 * its field (the input with id `fieldId`) and the error above the form.
 */
export function useEmailForm(fieldId: string) {
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const focusEmail = () => document.getElementById(fieldId)?.focus();

  /** Shows `message` under the e-mail field and moves the focus there. */
  const showEmailError = (message: string) => {
    setEmailError(message);
    focusEmail();
  };

  /**
   * Starts a submit: clears both errors and returns the trimmed address, or
   * null after showing `invalidText` when it is no e-mail address (an empty
   * one passes when the field is `optional`).
   */
  const begin = (invalidText: string, optional = false): string | null => {
    setEmailError(null);
    setFormError(null);
    const address = email.trim();
    if ((address || !optional) && !isEmailAddress(address)) {
      showEmailError(invalidText);
      return null;
    }
    return address;
  };

  return { email, setEmail, emailError, setEmailError, formError, setFormError, focusEmail, showEmailError, begin };
}
