// PEBBLES_SYNC_TIMEOUT_SECONDS: a sync's time bound, below the job expiry so a worker's sync gives up
// (and records why) before the queue hands its job to another worker.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.ts';
import { loadJobSettings } from '../../src/jobs/settings.ts';

describe('PEBBLES_SYNC_TIMEOUT_SECONDS', () => {
  it('defaults to 300 s, half the default job expiry of 600 s', () => {
    expect(loadJobSettings({}).syncTimeoutMs).toBe(300_000);
  });

  it('defaults to half the expiry when the expiry is set shorter', () => {
    expect(loadJobSettings({ PEBBLES_SYNC_EXPIRE_SECONDS: '120' }).syncTimeoutMs).toBe(60_000);
  });

  it('takes a value below the expiry', () => {
    expect(loadJobSettings({ PEBBLES_SYNC_TIMEOUT_SECONDS: '45' }).syncTimeoutMs).toBe(45_000);
    expect(loadJobSettings({ PEBBLES_SYNC_TIMEOUT_SECONDS: '900', PEBBLES_SYNC_EXPIRE_SECONDS: '1200' }).syncTimeoutMs).toBe(900_000);
  });

  it('refuses a value not below the expiry, or not a number, naming the variable', () => {
    expect(() => loadJobSettings({ PEBBLES_SYNC_TIMEOUT_SECONDS: '600' })).toThrow(ConfigError);
    expect(() => loadJobSettings({ PEBBLES_SYNC_TIMEOUT_SECONDS: '600' })).toThrow(
      /^PEBBLES_SYNC_TIMEOUT_SECONDS: must be less than PEBBLES_SYNC_EXPIRE_SECONDS \(600\)/,
    );
    expect(() => loadJobSettings({ PEBBLES_SYNC_TIMEOUT_SECONDS: 'soon' })).toThrow(/^PEBBLES_SYNC_TIMEOUT_SECONDS: /);
  });
});
