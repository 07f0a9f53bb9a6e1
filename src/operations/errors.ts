import { UserError } from '../errors/user-error.ts';

/** A manager operation that cannot be done as asked; the message says why and what to do. */
export class OperationError extends UserError {
  static override defaultCode = 'operation';
  override name = 'OperationError';
}
