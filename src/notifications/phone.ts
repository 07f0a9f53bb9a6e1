import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * F-18: SMS goes only to a valid mobile number in an allowed country. Returns the E.164 number, or
 * the reason it is not used (recorded on the skipped SMS delivery).
 */
export function smsRecipient(mobile: string | null, allowedCountries: readonly string[]): { to: string } | { skip: string } {
  if (!mobile) return { skip: 'no mobile number' };
  const parsed = parsePhoneNumberFromString(mobile.startsWith('+') ? mobile : `+${mobile.replace(/^\+?/, '')}`);
  if (!parsed?.isValid()) return { skip: 'mobile number is not valid' };
  const country = parsed.country ?? null;
  if (!country || !allowedCountries.includes(country))
    return { skip: `mobile number is in ${country ?? 'an unknown country'}, not an allowed SMS country (${allowedCountries.join(', ')})` };
  return { to: parsed.number };
}

/** A plain syntax check of an e-mail address; a bad one fails at once instead of being retried. */
export function isEmailAddress(value: string): boolean {
  return /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(value) && value.length <= 254;
}
