import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { maskSecrets } from './mask.ts';
import { hiddenQrPng } from './qr.ts';

/**
 * A raw MIME message (as a catcher received it) with its secrets masked for staff who may not
 * reveal keys (P3). Headers, structure and boundaries stay as received; each text part is decoded,
 * masked and encoded again (a quoted-printable line break may split the key, so the encoded text
 * cannot be masked as it is); every other part, the QR code image that holds the key, is replaced by
 * a placeholder of the same size. `hidden` names the parts replaced.
 */
export function maskMime(raw: string, secrets: readonly string[]): { raw: string; hidden: string[] } {
  const hidden: string[] = [];
  if (secrets.length === 0) return { raw, hidden };
  return { raw: maskEntity(raw, secrets, hidden), hidden };
}

function maskEntity(entity: string, secrets: readonly string[], hidden: string[]): string {
  const split = /\r?\n\r?\n/.exec(entity);
  if (!split) return maskSecrets(entity, secrets);
  const eol = split[0].startsWith('\r\n') ? '\r\n' : '\n';
  let head = maskSecrets(entity.slice(0, split.index), secrets);
  const body = entity.slice(split.index + split[0].length);
  const fields = headerFields(head);
  const type = fields.get('content-type') ?? 'text/plain';
  const media = type.split(';')[0]!.trim().toLowerCase();
  const join = (h: string, b: string) => h + split[0] + b;

  if (media.startsWith('multipart/')) {
    const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(type);
    return join(head, boundary ? maskMultipart(body, boundary[1] ?? boundary[2]!, secrets, hidden) : maskSecrets(body, secrets));
  }
  if (media === 'message/rfc822') return join(head, maskEntity(body, secrets, hidden));
  const cte = (fields.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  if (media.startsWith('text/')) {
    const text = decode(body, cte);
    const masked = maskSecrets(text, secrets);
    if (masked === text) return join(head, body);
    // Written back as UTF-8 (the mask is not ASCII), quoted-printable unless it was base64.
    const base64 = cte === 'base64';
    head = setField(head, 'Content-Transfer-Encoding', base64 ? 'base64' : 'quoted-printable');
    head = head.replace(/(content-type:[^\n]*?charset\s*=\s*)("[^"]*"|[^;\s]+)/i, '$1utf-8');
    const encoded = base64 ? wrap(Buffer.from(masked, 'utf8').toString('base64'), 76) : qpWrap(qpEncode(masked), 76);
    return join(head, encoded.replace(/\r?\n/g, eol) + (body.endsWith('\n') ? eol : ''));
  }
  hidden.push(fields.get('content-id')?.trim() ?? media);
  if (media === 'image/png' && cte === 'base64') return join(head, wrap(hiddenQrPng().toString('base64'), 76).replace(/\n/g, eol) + eol);
  return join(head, '');
}

/** Each part between the boundary lines masked; the line break before a boundary belongs to it. */
function maskMultipart(body: string, boundary: string, secrets: readonly string[], hidden: string[]): string {
  const open = `--${boundary}`;
  const close = `--${boundary}--`;
  const pieces: Array<{ kind: 'part' | 'text' | 'boundary'; text: string }> = [];
  let current = '';
  let inPart = false;
  let closed = false;
  for (const line of body.split(/(?<=\n)/)) {
    const bare = line.replace(/\r?\n$/, '').trimEnd();
    if (!closed && (bare === open || bare === close)) {
      pieces.push({ kind: inPart ? 'part' : 'text', text: current }, { kind: 'boundary', text: line });
      current = '';
      inPart = bare === open;
      closed = bare === close;
    } else current += line;
  }
  pieces.push({ kind: inPart ? 'part' : 'text', text: current });
  return pieces
    .map((p) => {
      if (p.kind === 'boundary') return p.text;
      if (p.kind === 'text') return maskSecrets(p.text, secrets); // preamble, epilogue
      const end = /\r?\n$/.exec(p.text)?.[0] ?? '';
      return maskEntity(p.text.slice(0, p.text.length - end.length), secrets, hidden) + end;
    })
    .join('');
}

/** Header fields by lower-case name (the first of each), unfolded. */
function headerFields(head: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const name = line.slice(0, i).trim().toLowerCase();
      if (!fields.has(name)) fields.set(name, line.slice(i + 1).trim());
    }
  }
  return fields;
}

function setField(head: string, name: string, value: string): string {
  const re = new RegExp(`^${name}:.*$`, 'im');
  if (re.test(head)) return head.replace(re, `${name}: ${value}`);
  const eol = head.includes('\r\n') ? '\r\n' : '\n';
  return `${head}${eol}${name}: ${value}`;
}

function decode(body: string, cte: string): string {
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function wrap(s: string, width: number): string {
  return s.replace(new RegExp(`.{1,${width}}`, 'g'), '$&\n').replace(/\n$/, '');
}
