// A customer's e-mail and mobile number, cleaned, with the contact problems managers see (E2).
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { ContactProblem } from '../engine/snapshot.ts';
import { asArray, listOf, pick, text } from './quirks.ts';

// The WHATWG "valid e-mail address" grammar, plus at least one dot in the domain.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export interface ContactResult<T> {
  value: T | null;
  problem: ContactProblem | null;
}

/** r2 `emailAddress` (or `email`), else the first r1 `addresses.address[].email`; trimmed; validated. */
export function customerEmail(customer: unknown): ContactResult<string> {
  let raw = text(pick(customer, 'emailAddress', 'email'));
  if (!raw) {
    for (const a of listOf(pick(customer, 'addresses'), 'address')) {
      raw = text(pick(a, 'email', 'emailAddress'));
      if (raw) break;
    }
  }
  if (!raw) return { value: null, problem: 'no-email' };
  return raw.length <= 254 && EMAIL.test(raw) ? { value: raw, problem: null } : { value: null, problem: 'invalid-email' };
}

/** A phone entry is a mobile when its `phoneType` or `phoneTypeName` says mobile or cell. */
export function isMobile(phone: unknown): boolean {
  return /mobile|cell/i.test(`${text(pick(phone, 'phoneType'))} ${text(pick(phone, 'phoneTypeName'))}`);
}

/**
 * A number → E.164, or null when it cannot be a valid number. A leading + is international; else
 * the data's `countryCode` (a calling code such as 1, or a two-letter country) decides, else the
 * account's default country.
 */
export function toE164(number: string, countryCode: unknown, defaultCountry: CountryCode): string | null {
  const n = number.trim();
  if (!n || n.length > 40) return null;
  let parsed: ReturnType<typeof parsePhoneNumberFromString>;
  const cc = text(countryCode).replace(/^\+/, '');
  if (n.startsWith('+')) parsed = parsePhoneNumberFromString(n);
  else if (/^\d{1,3}$/.test(cc) && cc !== '0') parsed = parsePhoneNumberFromString(n, { defaultCallingCode: cc });
  else if (/^[A-Za-z]{2}$/.test(cc) && isSupportedCountry(cc.toUpperCase())) parsed = parsePhoneNumberFromString(n, cc.toUpperCase() as CountryCode);
  else parsed = parsePhoneNumberFromString(n, defaultCountry);
  return parsed?.isValid() ? parsed.number : null;
}

/** The first valid mobile among r2 `phones.phone[]` and r1 `phone`; `no-mobile` / `invalid-phone` otherwise. */
export function customerMobile(customer: unknown, defaultCountry: CountryCode): ContactResult<string> {
  const phones = [...listOf(pick(customer, 'phones'), 'phone'), ...asArray(pick(customer, 'phone'))];
  const mobiles = phones.filter(isMobile);
  if (mobiles.length === 0) return { value: null, problem: 'no-mobile' };
  for (const p of mobiles) {
    const e164 = toE164(text(pick(p, 'phoneNumber', 'number')), pick(p, 'countryCode'), defaultCountry);
    if (e164) return { value: e164, problem: null };
  }
  return { value: null, problem: 'invalid-phone' };
}
