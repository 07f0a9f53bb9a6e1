import { UserError } from '../errors/user-error.ts';

/** The embedded database cannot be used as it is; the message says what to do. */
export class EmbeddedDatabaseError extends UserError {
  static override defaultCode = 'embedded-database';
  static override defaultCategory = 'unavailable' as const;
  override name = 'EmbeddedDatabaseError';
}
