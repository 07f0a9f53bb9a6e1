import { DeliveryError, type OutgoingSms, type SmsPort } from './ports.ts';

export interface SmsSettings {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  timeoutMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

/**
 * SMS through a Twilio-shaped API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded
 * To/From/Body, Basic auth; the answer's JSON `sid` is the provider's id. 429 and 5xx are transient
 * (Retry-After honoured), other 4xx permanent; a network failure after the request went out (reset,
 * time-out) is ambiguous.
 */
export function httpSmsPort(s: SmsSettings, fetchImpl: typeof fetch = fetch): SmsPort {
  const url = `${s.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(s.accountSid)}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`;
  const timeoutMs = s.timeoutMs ?? 30_000;
  const limit = limiter(s.concurrency ?? 8);
  const credentials = smsCredentials(s);
  return {
    send: (sms: OutgoingSms) =>
      limit(async () => {
        const secrets = [...sms.secrets, ...credentials];
        let res: Response;
        try {
          res = await fetchImpl(url, {
            method: 'POST',
            headers: {
              authorization: auth,
              'content-type': 'application/x-www-form-urlencoded',
              'idempotency-key': sms.idempotencyKey,
              accept: 'application/json',
            },
            body: new URLSearchParams({ To: sms.to, From: s.from, Body: sms.body }).toString(),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (err) {
          const e = err as Error & { cause?: { code?: string } };
          const code = e.cause?.code ?? (e.name === 'TimeoutError' ? 'ETIMEDOUT' : '');
          const refused = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code);
          throw DeliveryError.masked(`SMS provider unreachable: ${code || e.message}`, secrets, { permanent: false, ambiguous: !refused });
        }
        const text = await res.text().catch(() => '');
        if (res.ok) {
          let sid: unknown;
          try {
            sid = (JSON.parse(text) as { sid?: unknown }).sid;
          } catch {
            sid = undefined;
          }
          if (typeof sid !== 'string' || !sid)
            throw DeliveryError.masked(`SMS provider answered ${res.status} without a message sid`, secrets, { permanent: false, ambiguous: true });
          return { providerId: sid };
        }
        const detail = providerMessage(text);
        if (res.status === 429 || res.status >= 500) {
          throw DeliveryError.masked(`SMS provider HTTP ${res.status}${detail}`, secrets, {
            permanent: false,
            retryAfterMs: retryAfter(res.headers.get('retry-after')),
          });
        }
        throw DeliveryError.masked(`SMS provider HTTP ${res.status}${detail}`, secrets, { permanent: true });
      }),
    async close() {},
  };
}

/** The provider's reason, whole: it is masked before it is cut short (DeliveryError.masked). */
function providerMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; code?: unknown };
    if (typeof j.message === 'string') return `: ${j.message}${j.code !== undefined ? ` (code ${String(j.code)})` : ''}`;
  } catch {
    // not JSON
  }
  return text ? `: ${text}` : '';
}

/** What an SMS error may echo of the credentials: the token, Basic auth's "sid:token", a password in the URL. */
function smsCredentials(s: SmsSettings): string[] {
  let urlPassword = '';
  try {
    urlPassword = decodeURIComponent(new URL(s.baseUrl).password);
  } catch {
    // not a URL: fetch says so, with nothing to mask
  }
  return [s.authToken, `${s.accountSid}:${s.authToken}`, urlPassword].filter((x) => x.length > 0);
}

function retryAfter(h: string | null): number | null {
  if (!h) return null;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

/** At most `n` calls of `fn` in flight. */
export function limiter(n: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
