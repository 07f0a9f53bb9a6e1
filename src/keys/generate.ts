import { randomInt } from 'node:crypto';

/**
 * P1: the alphabet of a PSK. Letters and digits without look-alikes (0/O/o, 1/l/I, 5/S, 2/Z, 8/B),
 * all in GSM-7 and none of the characters a Wi-Fi QR code must escape (`\ ; , : "`).
 */
export const PSK_ALPHABET = 'ACDEFGHJKLMNPQRTUVWXYabcdefghijkmnpqrstuvwxyz34679';

/** Groups of four joined by dashes read well aloud and on a phone: 4 groups → 16 characters. */
const GROUPS = 4;
const GROUP_LENGTH = 4;

/** Bits of entropy of one generated key (must stay ≥ 64, P1). */
export const PSK_ENTROPY_BITS = GROUPS * GROUP_LENGTH * Math.log2(PSK_ALPHABET.length);

/** A new PSK from the operating system's secure random source, e.g. `hK4t-Wq9c-EmyA-73dP` (19 characters). */
export function generatePsk(random: (max: number) => number = randomInt): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let s = '';
    for (let i = 0; i < GROUP_LENGTH; i++) s += PSK_ALPHABET[random(PSK_ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}
