// How the CLI prints a failure: a user error as its one line; anything else (a bug) as one line and a
// hint, with the stack only at LOG_LEVEL=debug or trace.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli/run.ts';
import { ConfigError } from '../../src/config/config.ts';
import { UserError } from '../../src/errors/user-error.ts';

describe('reportError', () => {
  let written: string;
  const exitCode = process.exitCode;
  beforeEach(() => {
    written = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = exitCode;
  });

  it('a user error is its message on one line, with its exit code, and no stack', () => {
    reportError(new ConfigError('PORT: must be a number'), {});
    expect(written).toBe('pebbles: PORT: must be a number\n');
    expect(process.exitCode).toBe(1);
    reportError(new UserError('--hold: a whole number', { exitCode: 2 }), { LOG_LEVEL: 'info' });
    expect(process.exitCode).toBe(2);
  });

  it('a message of several lines is joined into one', () => {
    reportError(new UserError('the server did not start:\n  FATAL: lock file exists\n'), {});
    expect(written).toBe('pebbles: the server did not start:; FATAL: lock file exists\n');
  });

  it('a bug prints one line and where to look, the stack only at LOG_LEVEL=debug or trace', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    reportError(bug, { LOG_LEVEL: 'info' });
    expect(written).toBe("pebbles: Cannot read properties of undefined (reading 'id') (LOG_LEVEL=debug shows where)\n");
    expect(process.exitCode).toBe(1);
    for (const level of ['debug', 'trace']) {
      written = '';
      reportError(bug, { LOG_LEVEL: level });
      const lines = written.trimEnd().split('\n');
      expect(lines[0]).toBe("pebbles: Cannot read properties of undefined (reading 'id')");
      expect(lines.slice(1).join('\n')).toBe(bug.stack);
      expect(written).toContain('    at ');
    }
  });

  it('something thrown that is not an Error is still one line', () => {
    reportError('a string', {});
    expect(written).toBe('pebbles: a string (LOG_LEVEL=debug shows where)\n');
  });
});
