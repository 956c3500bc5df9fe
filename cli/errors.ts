/**
 * Bad input from a user (a malformed argument, file or name). The CLI prints its message on one line
 * and exits with code 2; no stack trace is ever shown for it.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes shared by every command: 0 nothing found, 1 a violation found, 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;
