import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Config } from '../config/config.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { startCatcher, type RunningCatcher } from './catcher.ts';
import { DEFAULT_POLICY, deliverDue, type BatchResult, type DeliveryDeps, type DeliveryPolicy } from './deliver.ts';
import { smtpMailPort } from './mail.ts';
import type { MailPort, SmsPort } from './ports.ts';
import { httpSmsPort } from './sms.ts';

export interface RunningDelivery {
  /** The embedded catcher, when this process runs one. */
  catcher: RunningCatcher | null;
  /** Why the mail channel is stopped, or null when it runs. */
  mailStopped: string | null;
  /** Wakes the loop now (after queuing something). */
  poke(): void;
  /** Finishes the batch in flight, closes connections and the catcher. */
  stop(): Promise<void>;
}

/** What the loop needs from its process: an AppContext, or a job worker's loop context. */
export interface DeliveryHost {
  config: Config;
  log: Logger;
  db: Db;
  secrets: SecretBox;
}

export interface StartDeliveryOptions {
  /** A name for this worker in claimed rows (made unique per loop). */
  workerName?: string;
  signal?: AbortSignal;
  /** Idle wait between polls (ms). Default 1000. */
  pollMs?: number;
  policy?: Partial<DeliveryPolicy>;
}

export function policyFromConfig(config: Config): DeliveryPolicy {
  return {
    ...DEFAULT_POLICY,
    maxAttempts: config.notifications.maxAttempts,
    retryBaseMs: config.notifications.retryBaseMs,
    retryMaxMs: config.notifications.retryMaxMs,
    batchSize: config.notifications.batchSize,
    smsCountries: config.sms.countries,
  };
}

/** Whether this process catches mail and SMS locally instead of sending them (the embedded default). */
export function catcherWanted(config: Config, embedded: boolean): boolean {
  return config.catcher ?? (embedded && !config.mail.host);
}

export const MAIL_STOPPED_MESSAGE =
  'the mail channel is stopped: SMTP_HOST is not set, and with DATABASE_URL Pebbles does not catch mail locally. ' +
  'Set SMTP_HOST (with SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASSWORD, MAIL_FROM), or PEBBLES_CATCHER=on for a test setup. E-mails stay queued until then.';

/**
 * The delivery loop of a worker (or of `pebbles start`): batches of deliverDue() until stopped.
 * Any number of these may run against one database (N4: a row is claimed by one of them only).
 */
export async function startDelivery(app: DeliveryHost, opts: StartDeliveryOptions = {}): Promise<RunningDelivery> {
  const { config, log } = app;
  const policy = { ...policyFromConfig(config), ...opts.policy };
  const catcher = catcherWanted(config, config.databaseUrl === null) ? await startCatcher(app.db, app.secrets) : null;

  let mail: MailPort | null = null;
  let sms: SmsPort | null = null;
  let mailStopped: string | null = null;
  if (catcher) {
    mail = smtpMailPort({
      host: catcher.smtp.host,
      port: catcher.smtp.port,
      secure: false,
      user: null,
      password: null,
      poolSize: config.mail.poolSize,
      allowInsecure: true,
    });
    sms = httpSmsPort(catcher.sms);
    log.info(
      { smtp: `${catcher.smtp.host}:${catcher.smtp.port}` },
      'notifications: no SMTP configured, so mail and SMS are caught locally and kept in the database (see `pebbles mail list`); nothing is sent anywhere',
    );
  } else {
    if (config.mail.host) {
      mail = smtpMailPort({
        host: config.mail.host,
        port: config.mail.port,
        secure: config.mail.secure,
        user: config.mail.user,
        password: config.mail.password,
        poolSize: config.mail.poolSize,
      });
    } else {
      mailStopped = MAIL_STOPPED_MESSAGE;
      log.error(`notifications: ${MAIL_STOPPED_MESSAGE}`);
    }
    if (config.sms.baseUrl) {
      sms = httpSmsPort({ baseUrl: config.sms.baseUrl, accountSid: config.sms.accountSid!, authToken: config.sms.authToken!, from: config.sms.from! });
    } else {
      log.info('notifications: no SMS provider configured (SMS_BASE_URL); messages go by e-mail alone and each skipped SMS records why');
    }
  }

  const deps: DeliveryDeps = {
    db: app.db,
    secrets: app.secrets,
    log,
    mail,
    sms,
    mailFrom: config.mail.from,
    policy,
    workerId: `${opts.workerName ?? `${os.hostname()}:${process.pid}`}:${randomBytes(3).toString('hex')}`,
  };
  const pollMs = opts.pollMs ?? 1000;
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      let r: BatchResult | null = null;
      try {
        r = await deliverDue(deps, new Date());
        failures = 0;
        if (r.expanded + r.claimed > 0) log.info({ ...r }, 'notifications: batch delivered');
      } catch (err) {
        failures++;
        log.error({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'notifications: batch failed; retrying');
      }
      if (stopped) break;
      const busy = r !== null && (r.claimed >= policy.batchSize || r.expanded > 0);
      if (!busy) await sleep(r === null ? Math.min(30_000, 1000 * 2 ** failures) : pollMs);
    }
  })();

  const stop = async () => {
    if (stopped) return loop;
    stopped = true;
    wake?.();
    await loop;
    await mail?.close();
    await sms?.close();
    await catcher?.stop();
  };
  opts.signal?.addEventListener('abort', () => void stop(), { once: true });

  return {
    catcher,
    mailStopped,
    poke: () => wake?.(),
    stop,
  };
}
