/** An error the CLI reports as one line (no stack) with a non-zero exit: the user's input is at fault. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
