import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';

/**
 * A QR code as a small black-and-white PNG. The matrix comes from `qrcode`; the PNG is written here
 * (1-bit greyscale, one deflate call) because the library's own PNG path costs ~8 ms per image, too
 * slow for a first sync's thousands of welcomes. Tests decode the result with pngjs + jsqr.
 */
export function qrPng(text: string, opts: { scale?: number; margin?: number } = {}): Buffer {
  const scale = opts.scale ?? 6;
  const margin = opts.margin ?? 4;
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const data = qr.modules.data;
  const side = (n + 2 * margin) * scale;
  const rowBytes = Math.ceil(side / 8);
  const raw = Buffer.alloc((rowBytes + 1) * side, 0);
  // One packed row per module row, copied `scale` times (a 1 bit is white in 1-bit greyscale).
  const line = Buffer.alloc(rowBytes + 1, 0);
  for (let my = -margin; my < n + margin; my++) {
    line.fill(0);
    for (let x = 0; x < side; x++) {
      const mx = ((x / scale) | 0) - margin;
      const dark = my >= 0 && my < n && mx >= 0 && mx < n && data[my * n + mx] === 1;
      if (!dark) line[1 + (x >> 3)]! |= 0x80 >> (x & 7);
    }
    const y0 = (my + margin) * scale;
    for (let k = 0; k < scale; k++) line.copy(raw, (y0 + k) * (rowBytes + 1));
  }
  return png1bit(side, raw);
}

/**
 * Stands in for a QR code that must not be shown (it holds the key): a square of the same size,
 * hatched so nobody takes it for a code to scan.
 */
export function hiddenQrPng(side = 264): Buffer {
  const rowBytes = Math.ceil(side / 8);
  const raw = Buffer.alloc((rowBytes + 1) * side, 0);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const border = x < 2 || y < 2 || x >= side - 2 || y >= side - 2;
      if (!border && (x + y) % 24 >= 2) raw[y * (rowBytes + 1) + 1 + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return png1bit(side, raw);
}

/** A square 1-bit greyscale PNG from packed rows, each after its filter byte (0). */
function png1bit(side: number, raw: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}
