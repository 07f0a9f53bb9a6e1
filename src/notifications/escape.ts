/** Escaping of every value that comes from Entrata or staff before it enters a message. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Staff-written plain text as HTML paragraphs: escaped, blank lines split paragraphs, line breaks kept. */
export function textToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p style="margin:0 0 14px">${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

/** A value inside the Wi-Fi join string: `\ ; , : "` are escaped with a backslash. */
export function escapeWifi(value: string): string {
  return value.replace(/[\\;,:"]/g, (c) => `\\${c}`);
}

/** The Wi-Fi QR code payload (the de-facto `WIFI:` format that phone cameras join). */
export function wifiJoinString(ssid: string, key: string): string {
  return `WIFI:T:WPA;S:${escapeWifi(ssid)};P:${escapeWifi(key)};;`;
}

/** One line for a header or a display name: control characters (CR, LF...) become spaces. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
