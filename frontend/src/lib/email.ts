const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Whether `text` looks like an e-mail address (name@example.com); the server checks it properly. */
export function isEmailAddress(text: string): boolean {
  return EMAIL.test(text);
}
