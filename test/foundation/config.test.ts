import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';

describe('configuration from the environment', () => {
  it('has working defaults with nothing set (the embedded default)', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeNull();
    expect(c.dataDir).toMatch(/data$/);
    expect(c.entrata.rateLimitShare).toBe(0.8);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: /],
    [{ PEBBLES_SECRET_KEY: 'short' }, /^PEBBLES_SECRET_KEY: must be 32 bytes/],
    [{ PORT: '99999' }, /^PORT: /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    [{ ENTRATA_RATE_LIMIT_SHARE: '1.5' }, /^ENTRATA_RATE_LIMIT_SHARE: /],
  ])('a bad value stops with one line naming the variable: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('accepts a key as hex or base64', () => {
    expect(loadConfig({ PEBBLES_SECRET_KEY: 'a'.repeat(64) }).secretKey).toHaveLength(32);
    expect(loadConfig({ PEBBLES_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).secretKey).toHaveLength(32);
  });
});
