import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { asDatabaseUnavailable } from '../../src/db/database.ts';
import { backoffMs, untilDatabaseAvailable } from '../../src/db/wait.ts';
import { ConfigError } from '../../src/config/config.ts';
import { createLogger } from '../../src/log/logger.ts';

function capture() {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: 'info', format: 'json', destination }), msgs: () => out.map((l) => JSON.parse(l).msg as string) };
}

const refused = () => {
  const err = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
  return asDatabaseUnavailable(err, 'postgres://pebbles:s3cret@db.internal:5432/pebbles');
};

describe('waiting for the database', () => {
  it('backs off 1, 2, 4 ... s up to the longest wait', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoffMs(n, 30_000))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(backoffMs(0, 500)).toBe(500);
  });

  it('says once per attempt where and why it waits, never the password, and starts when the database answers', async () => {
    const { log, msgs } = capture();
    const waits: number[] = [];
    let attempts = 0;
    const opened = await untilDatabaseAvailable(
      async () => {
        if (++attempts < 4) throw refused();
        return 'open';
      },
      { log, maxWaitMs: 3000, url: 'postgres://pebbles:s3cret@db.internal:5432/pebbles', sleep: async (ms) => void waits.push(ms) },
    );
    expect(opened).toBe('open');
    expect(waits).toEqual([1000, 2000, 3000]);
    expect(msgs()).toEqual([
      'waiting for the database at db.internal:5432/pebbles: connect ECONNREFUSED 10.0.0.5:5432; retrying in 1 s',
      'waiting for the database at db.internal:5432/pebbles: connect ECONNREFUSED 10.0.0.5:5432; retrying in 2 s',
      'waiting for the database at db.internal:5432/pebbles: connect ECONNREFUSED 10.0.0.5:5432; retrying in 3 s',
      'the database answers: starting',
    ]);
  });

  it('does not wait out anything else: a bad setting or a bug ends the process at once', async () => {
    const { log, msgs } = capture();
    let attempts = 0;
    const bad = new ConfigError('PEBBLES_SECRET_KEY: required when DATABASE_URL is set');
    await expect(
      untilDatabaseAvailable(
        async () => {
          attempts++;
          throw bad;
        },
        { log, maxWaitMs: 1000, url: null, sleep: async () => undefined },
      ),
    ).rejects.toBe(bad);
    expect(attempts).toBe(1);
    expect(msgs()).toEqual([]);
  });
});
