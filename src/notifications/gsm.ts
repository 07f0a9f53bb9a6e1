/** GSM 03.38: which texts fit the 7-bit alphabet, and how many SMS segments a text takes. */

const BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENSION = '^{}\\[~]|€\f';
const basic = new Set(BASIC);
const extension = new Set(EXTENSION);

/** Septets a text takes in GSM-7, or null when a character is outside the alphabet (the SMS would be UCS-2). */
export function gsm7Length(text: string): number | null {
  let n = 0;
  for (const ch of text) {
    if (basic.has(ch)) n += 1;
    else if (extension.has(ch)) n += 2;
    else return null;
  }
  return n;
}

/** Segments of an SMS: GSM-7 160 (153 when split), else UCS-2 70 (67 when split). */
export function smsSegments(text: string): { encoding: 'GSM-7' | 'UCS-2'; units: number; segments: number } {
  const g = gsm7Length(text);
  if (g !== null) return { encoding: 'GSM-7', units: g, segments: g <= 160 ? 1 : Math.ceil(g / 153) };
  const units = [...text].reduce((s, c) => s + (c.codePointAt(0)! > 0xffff ? 2 : 1), 0);
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

/** Characters outside GSM-7 replaced by a close ASCII form (accents dropped) or `?`. */
export function toGsm7(text: string): string {
  let out = '';
  for (const ch of text) {
    if (basic.has(ch) || extension.has(ch)) out += ch;
    else {
      const plain = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += [...plain].every((c) => basic.has(c))
        ? plain
        : /[\u2018\u2019]/.test(ch)
          ? "'"
          : /[\u201c\u201d]/.test(ch)
            ? '"'
            : /[\u2013\u2014]/.test(ch)
              ? '-'
              : '?';
    }
  }
  return out;
}

/** The longest prefix of a GSM-7 text within `max` septets (an ellipsis-free cut; callers add their own). */
export function cutGsm7(text: string, max: number): string {
  let n = 0;
  let out = '';
  for (const ch of text) {
    const w = extension.has(ch) ? 2 : 1;
    if (n + w > max) break;
    n += w;
    out += ch;
  }
  return out;
}
