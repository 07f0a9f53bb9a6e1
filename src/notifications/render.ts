import { escapeHtml, oneLine, textToHtml, wifiJoinString } from './escape.ts';
import { cutGsm7, smsSegments, toGsm7 } from './gsm.ts';
import { KEY_KINDS, type Notice } from './payloads.ts';
import { qrPng } from './qr.ts';

export { KEY_KINDS, NOTIFICATION_KINDS, type NotificationKind } from './payloads.ts';

interface RenderContext {
  property: {
    name: string;
    ssid: string;
    timeZone: string;
    senderName: string | null;
    supportEmail: string | null;
    supportPhone: string | null;
  };
  resident: { firstName: string; lastName: string };
  /** The current key, for the kinds that carry it (KEY_KINDS). */
  key: string | null;
  /** Subject and body of a personal message or blast. */
  staffMessage?: { subject: string; body: string } | null;
}

/** A notification (its kind with the payload of that kind) and what its message is composed from. */
export type RenderInput = RenderContext & Notice;

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  /** The Wi-Fi QR code, embedded in the HTML as `cid:<cid>`. */
  qr: { cid: string; png: Buffer; join: string } | null;
  /** The SMS text, or null when this kind goes by e-mail only. */
  sms: string | null;
  /** Values to mask in stored copies for staff who may not reveal keys (P3). */
  secrets: string[];
}

export const QR_CID = 'wifi-qr@pebbles';

/** Sender display name: the property's own, else "<property> Wi-Fi". */
export function senderName(p: RenderInput['property']): string {
  return oneLine(p.senderName || `${p.name || 'Your community'} Wi-Fi`);
}

export function renderMessage(input: RenderInput, opts: { qr?: boolean } = {}): RenderedMessage {
  const p = input.property;
  const place = oneLine(p.name) || 'your community';
  const first = oneLine(input.resident.firstName);
  const hello = first ? `Hi ${first},` : 'Hello,';
  const key = KEY_KINDS.has(input.kind) ? input.key : null;
  if (KEY_KINDS.has(input.kind) && !key) throw new Error(`a ${input.kind} message needs the resident's current key`);

  let subject: string;
  let intro: string[];
  switch (input.kind) {
    case 'welcome':
      subject = `Welcome home: your Wi-Fi at ${place}`;
      intro = [`Welcome to ${place}! Your personal Wi-Fi is ready. This key is yours alone: share it only with the people who live with you.`];
      break;
    case 'new-key':
      subject = input.payload.reason === 'rotation' ? `Your new Wi-Fi key at ${place}` : `Your Wi-Fi key for ${place}`;
      intro = [
        input.payload.reason === 'rotation'
          ? `Your Wi-Fi key at ${place} has been changed. The old key no longer works: reconnect your devices with the new one below.`
          : `You have a new personal Wi-Fi key for ${place}. Connect your devices with the key below.`,
      ];
      break;
    case 'resend':
      subject = `Your Wi-Fi key at ${place}`;
      intro = [`As requested, here is your personal Wi-Fi key at ${place} again. It has not changed.`];
      break;
    case 'block': {
      subject = `Your Wi-Fi access at ${place} is paused`;
      intro = [`Your Wi-Fi access at ${place} is paused from ${formatLocal(new Date(input.payload.at), p.timeZone)}.`];
      if (input.payload.message.trim()) intro.push(input.payload.message.trim());
      break;
    }
    case 'unblock':
      subject = `Your Wi-Fi access at ${place} is back`;
      intro = [`Your Wi-Fi access at ${place} works again with your usual key.`];
      break;
    case 'password-reset': {
      // To a staff user, not a resident: the link signs its holder in, so it is masked in stored copies.
      const until = new Date(input.payload.expiresAt);
      subject = 'Reset your Pebbles password';
      intro = [
        'Someone asked to reset the password of your Pebbles staff account. To choose a new password, open this link:',
        input.payload.link,
        `The link works once, until ${formatLocal(until, 'UTC')}. If you did not ask, ignore this message: your password stays as it is.`,
      ];
      break;
    }
    case 'message':
    case 'blast': {
      const m = input.staffMessage;
      if (!m) throw new Error(`a ${input.kind} needs its staff message`);
      subject = oneLine(m.subject) || `A message from ${place}`;
      intro = [m.body.trim()];
      break;
    }
  }

  const support = supportLine(p);
  const join = key ? wifiJoinString(p.ssid, key) : null;
  const qr = join ? { cid: QR_CID, join, png: opts.qr === false ? Buffer.alloc(0) : qrPng(join) } : null;

  // Plain text.
  const text: string[] = [hello, '', ...intro.flatMap((x) => [x, ''])];
  if (key) {
    text.push(
      `Network (SSID): ${p.ssid}`,
      `Key (password): ${key}`,
      '',
      'On a phone, you can also scan the QR code in this message with the camera to join.',
      '',
    );
  }
  if (support) text.push(support, '');
  text.push(`${senderName(p)}`);

  // HTML: one column, large type, readable on a phone without zooming.
  const h = escapeHtml;
  // A reset link is the one paragraph that is a link: clickable in the HTML part.
  const link = input.kind === 'password-reset' ? input.payload.link : null;
  const paras = intro.map((x) => (x === link ? `<p style="margin:0 0 14px;word-break:break-all"><a href="${h(x)}">${h(x)}</a></p>` : textToHtml(x))).join('\n');
  const keyBlock =
    key && qr
      ? `<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border:1px solid #d0d7de;border-radius:8px;margin:8px 0 18px">
<tr><td style="padding:14px 16px">
<div style="font-size:13px;color:#57606a">Network (SSID)</div>
<div style="font-size:20px;font-weight:600;margin:2px 0 12px;word-break:break-all">${h(p.ssid)}</div>
<div style="font-size:13px;color:#57606a">Key (password)</div>
<div style="font-family:Menlo,Consolas,monospace;font-size:22px;font-weight:600;letter-spacing:1px;margin-top:2px;word-break:break-all">${h(key)}</div>
</td></tr>
<tr><td style="padding:0 16px 16px;text-align:center">
<img src="cid:${qr.cid}" width="220" height="220" alt="Wi-Fi QR code for ${h(p.ssid)}" style="display:block;margin:0 auto;width:220px;max-width:100%;height:auto">
<div style="font-size:13px;color:#57606a;margin-top:6px">Scan with your phone's camera to join.</div>
</td></tr></table>`
      : '';
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${h(subject)}</title></head>
<body style="margin:0;padding:0;background:#f6f8fa">
<div style="max-width:520px;margin:0 auto;padding:20px 16px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2328;background:#ffffff">
<p style="margin:0 0 14px">${h(hello)}</p>
${paras}
${keyBlock}
${support ? `<p style="margin:0 0 14px;font-size:14px;color:#57606a">${h(support)}</p>` : ''}
<p style="margin:0;font-size:14px;color:#57606a">${h(senderName(p))}</p>
</div></body></html>
`;

  const secrets = key ? [key] : link ? [link] : [];
  return { subject, text: text.join('\n'), html, qr, sms: smsText(input, key, place), secrets };
}

function supportLine(p: RenderInput['property']): string | null {
  const email = p.supportEmail ? oneLine(p.supportEmail) : '';
  const phone = p.supportPhone ? oneLine(p.supportPhone) : '';
  if (!email && !phone) return null;
  return `Questions? Contact ${[email, phone].filter(Boolean).join(' or ')}.`;
}

/** The SMS text; a key message always fits one segment (GSM-7 160, or UCS-2 70 for a non-GSM SSID). */
function smsText(input: RenderInput, key: string | null, place: string): string | null {
  const name = toGsm7(place);
  if (key) {
    const ssid = input.property.ssid; // never altered: it must be typed exactly
    const candidates = [
      `${name} Wi-Fi: network ${ssid}, key ${key}. The e-mail we sent has a QR code to scan.`,
      `${name} Wi-Fi: network ${ssid}, key ${key}`,
      `${cutGsm7(name, 40)} Wi-Fi: network ${ssid}, key ${key}`,
      `Wi-Fi network ${ssid}, key ${key}`,
      `Wi-Fi ${ssid} key ${key}`,
    ];
    return candidates.find((c) => smsSegments(c).segments === 1) ?? candidates[candidates.length - 1]!;
  }
  switch (input.kind) {
    case 'block': {
      const base = `${name}: your Wi-Fi access is paused. `;
      const msg = toGsm7(oneLine(input.payload.message));
      const room = 306 - base.length; // at most two segments
      return base + (msg.length > room ? `${cutGsm7(msg, room - 3)}...` : msg);
    }
    case 'unblock':
      return `${name}: your Wi-Fi access works again with your usual key.`;
    case 'message':
    case 'blast': {
      // Sent by SMS only when staff chose that channel: the subject and the body, at most three segments.
      const m = input.staffMessage;
      if (!m) return null;
      const text = toGsm7(`${name}: ${oneLine(m.subject)}. ${oneLine(m.body)}`);
      return text.length > 459 ? `${cutGsm7(text, 456)}...` : text;
    }
    default:
      return null;
  }
}

/** "Aug 15, 2026, 9:00 AM MDT" in the property's zone. */
export function formatLocal(t: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(t);
}
