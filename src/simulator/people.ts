// Generates people with the contact-data gaps and oddities seen in real captures (docs/entrata.md §2.2, §5):
// about a fifth without e-mail or without phone, phones typed mobile/personal/work/home, a few
// invalid or international numbers, and emergency contacts on some residents.
import type { Rng } from './prng.ts';
import { CONTACT_RELATIONSHIPS, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, MIDDLE_NAMES } from './names.ts';
import { nextId, type IdCounters, type SimContact, type SimCustomer, type SimPhone } from './model.ts';

// Area codes of the towns in names.ts; the 555-01xx exchange is reserved for fiction in the NANP.
const AREA_CODES = ['512', '303', '720', '970', '480', '801', '307', '352', '608', '541', '785', '505', '208', '406', '806', '979'];

function usNumber(rng: Rng): string {
  const area = rng.pick(AREA_CODES);
  const line = `01${String(rng.int(0, 99)).padStart(2, '0')}`;
  // Staff type numbers in many ways; the client must normalise them. (Built lazily: this runs 200k times.)
  const style = rng.weighted(US_STYLES);
  if (style === 'plain') return `${area}555${line}`;
  if (style === 'parens') return `(${area}) 555-${line}`;
  if (style === 'dashes') return `${area}-555-${line}`;
  if (style === 'dots') return `${area}.555.${line}`;
  return `+1 ${area} 555 ${line}`;
}

const US_STYLES = [
  ['plain', 60],
  ['parens', 15],
  ['dashes', 15],
  ['dots', 5],
  ['e164ish', 5],
] as const;

// Ofcom's drama range (07700 900xxx) and a few of ACMA's fictitious Australian mobiles.
function internationalPhone(rng: Rng): SimPhone {
  if (rng.chance(0.6)) return { number: `7700 900${String(rng.int(0, 999)).padStart(3, '0')}`, type: 'mobile', countryCode: 44 };
  return { number: rng.pick(['491 570 156', '491 570 157', '491 570 158', '491 570 159', '491 570 110']), type: 'mobile', countryCode: 61 };
}

const INVALID_NUMBERS = ['555-0134', '0000000000', '123', 'n/a', '512555', '(000) 000-0000'];

function makePhones(rng: Rng): SimPhone[] {
  if (rng.chance(0.18)) return [];
  const roll = rng.next();
  if (roll < 0.03) return [internationalPhone(rng)];
  if (roll < 0.06) return [{ number: rng.pick(INVALID_NUMBERS), type: 'mobile', countryCode: 1 }];
  const type = rng.weighted<SimPhone['type']>([
    ['mobile', 75],
    ['personal', 12],
    ['work', 8],
    ['home', 5],
  ]);
  const phones: SimPhone[] = [{ number: usNumber(rng), type, countryCode: 1 }];
  if (rng.chance(0.1)) phones.push({ number: usNumber(rng), type: type === 'work' ? 'mobile' : 'work', countryCode: 1 });
  return phones;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const EMAIL_STYLES = [
  ['dotted', 40],
  ['numbered', 30],
  ['initial', 20],
  ['underscore', 10],
] as const;

function makeEmail(rng: Rng, firstName: string, lastName: string): string | null {
  if (rng.chance(0.2)) return null;
  const domain = rng.pick(EMAIL_DOMAINS);
  const first = slug(firstName);
  const last = slug(lastName);
  const style = rng.weighted(EMAIL_STYLES);
  const local =
    style === 'dotted'
      ? `${first}.${last}`
      : style === 'numbered'
        ? `${first}.${last}${rng.int(1, 99)}`
        : style === 'initial'
          ? `${first.charAt(0)}${last}`
          : `${first}_${last}${rng.int(10, 99)}`;
  // A few addresses mistyped by staff: the client should flag, not crash.
  if (rng.chance(0.02)) return rng.pick([`${local}@`, `${local} at ${domain}`, `${local}@${domain.replace('.', '')}`]);
  return `${local}@${domain}`;
}

function makeContacts(rng: Rng, ids: IdCounters, lastName: string): SimContact[] {
  if (!rng.chance(0.3)) return [];
  const count = rng.chance(0.15) ? 2 : 1;
  const contacts: SimContact[] = [];
  for (let i = 0; i < count; i++) {
    const relationship = rng.pick(CONTACT_RELATIONSHIPS);
    const family = relationship !== 'Friend' && relationship !== 'Spouse';
    contacts.push({
      id: nextId(ids, 'contact'),
      firstName: rng.pick(FIRST_NAMES),
      lastName: family ? lastName : rng.pick(LAST_NAMES),
      relationship,
      phone: usNumber(rng),
      hasAccessToUnit: rng.chance(0.1),
    });
  }
  return contacts;
}

export interface PersonHints {
  lastName?: string;
  /** Emergency contacts are only recorded for residents, not guarantors or occupants. */
  withContacts?: boolean;
}

export function makeCustomer(rng: Rng, ids: IdCounters, hints: PersonHints = {}): SimCustomer {
  const firstName = rng.pick(FIRST_NAMES);
  const lastName = hints.lastName ?? rng.pick(LAST_NAMES);
  return {
    id: nextId(ids, 'customer'),
    firstName,
    middleName: rng.chance(0.3) ? rng.pick(MIDDLE_NAMES) : null,
    lastName,
    email: makeEmail(rng, firstName, lastName),
    phones: makePhones(rng),
    contacts: hints.withContacts ? makeContacts(rng, ids, lastName) : [],
  };
}

/** A person given by a test or the control API: only the names are required. */
export function customerFromFields(
  ids: IdCounters,
  fields: { firstName: string; lastName: string; email?: string | null; phone?: string | null; phoneType?: SimPhone['type'] },
): SimCustomer {
  return {
    id: nextId(ids, 'customer'),
    firstName: fields.firstName,
    middleName: null,
    lastName: fields.lastName,
    email: fields.email ?? null,
    phones: fields.phone ? [{ number: fields.phone, type: fields.phoneType ?? 'mobile', countryCode: 1 }] : [],
    contacts: [],
  };
}
