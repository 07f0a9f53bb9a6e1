import { escapeHtml, escapeWifi } from './escape.ts';

/**
 * Masking of keys and credentials in any text that leaves a sender or reaches staff who may not
 * reveal keys (P3): provider errors before they are stored or logged, stored copies of messages,
 * caught messages. A provider may echo a value in any of the forms it was sent in, so every form is
 * masked: as is, URL-encoded (%XX, and + for spaces in a form body), JSON-escaped, HTML-escaped,
 * base64 (Basic auth, SMTP AUTH), inside a `WIFI:` join string, quoted-printable with soft line
 * breaks between any two characters, and a long enough start or end of it (an echo cut short).
 */

export const MASK = '••••••••';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The forms a secret may take once encoded for a transport and echoed back. */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  const base = [
    secret,
    escapeWifi(secret),
    b64(secret),
    b64(secret).replace(/=+$/, ''),
    b64(secret).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    qpEncode(secret),
  ];
  const forms = new Set<string>();
  for (const f of base) {
    const json = JSON.stringify(f).slice(1, -1);
    for (const g of [
      f,
      encodeURIComponent(f),
      new URLSearchParams({ v: f }).toString().slice(2),
      json,
      json.replace(/\//g, '\\/'),
      asciiJson(json),
      asciiJson(json).replace(/\//g, '\\/'),
      escapeHtml(f),
    ]) {
      forms.add(g);
      forms.add(g.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    }
  }
  return [...forms].filter(Boolean);
}

/** `text` with every form of every secret replaced by MASK. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const wanted = [...new Set(secrets.filter((s) => s.length > 0))];
  if (wanted.length === 0 || !text) return text;
  const forms = [...new Set(wanted.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  const pattern = (joint: string) => new RegExp(forms.map((f) => [...f].map(escapeRegExp).join(joint)).join('|'), 'g');
  let out = text.replace(pattern(''), MASK);
  // A quoted-printable soft line break ("=" and a line break, or "= " once whitespace is collapsed)
  // may fall between any two characters of an echoed message body (a slower pattern: only then).
  if (SOFT_BREAK.test(out)) out = out.replace(pattern('(?:=(?:\\r?\\n|[ \\t]))?'), MASK);
  // An echo cut short leaves a start (or an end) of the secret: mask any run of at least half of it.
  for (const s of wanted) {
    const min = Math.max(8, Math.ceil(s.length / 2));
    for (let n = s.length - 1; n >= min; n--) out = out.split(s.slice(0, n)).join(MASK).split(s.slice(-n)).join(MASK);
  }
  return out;
}

const SOFT_BREAK = /=(?:\r?\n|[ \t])/;

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** JSON with every non-ASCII character as \uXXXX (what many servers write). */
function asciiJson(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Quoted-printable of a short value, without line breaks. */
function qpEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => (b === 0x3d || b < 0x20 || b > 0x7e ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b)))
    .join('');
}
