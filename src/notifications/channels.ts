// N1, N2, F-17, F-18: where one notification goes: by e-mail to every resident with an address, and by SMS
// when its kind has an SMS form, the property has SMS on and the resident a mobile the provider may reach.
//
// The one place channels are chosen. Delivery asks when a notification falls due, not when it is queued:
// a scheduled block or message goes out later, and it must follow the contact and the SMS setting as they
// are then. (A welcome is queued by the sync that updated the contact, so the answer is the same.)
import { isNotificationKind, KIND_TRAITS } from './payloads.ts';
import { isEmailAddress, smsRecipient } from './phone.ts';

export type Channel = 'email' | 'sms';

export interface ChannelContact {
  email: string | null;
  mobile: string | null;
}

export interface SmsSetting {
  /** The property sends SMS (N1). */
  smsEnabled: boolean;
  /** ISO countries whose mobile numbers get SMS (F-18, SMS_COUNTRIES). */
  smsCountries: readonly string[];
}

/** send: to this recipient. skip: not this channel, and why. fail: this channel, but the recipient cannot work. */
export type ChannelChoice =
  | { channel: Channel; verdict: 'send'; to: string }
  | { channel: Channel; verdict: 'skip' | 'fail'; to: string | null; reason: string };

/**
 * One choice per channel the notification uses; `contact` null: it names no recipient. `chosen`: the
 * channels staff picked for a personal message or blast (F-17), which replace the kind's own.
 */
export function chooseChannels(kind: string, contact: ChannelContact | null, setting: SmsSetting, chosen: readonly Channel[] | null = null): ChannelChoice[] {
  const choices: ChannelChoice[] = [];
  if (!chosen || chosen.includes('email')) choices.push(emailChoice(contact));
  // An unknown kind (a row from another version) gets e-mail only: its delivery then fails with the reason.
  const sms = chosen ? chosen.includes('sms') : isNotificationKind(kind) && KIND_TRAITS[kind].sms;
  if (sms) choices.push(smsChoice(contact, setting));
  return choices;
}

function emailChoice(contact: ChannelContact | null): ChannelChoice {
  if (!contact) return { channel: 'email', verdict: 'skip', to: null, reason: 'no resident' };
  if (!contact.email) return { channel: 'email', verdict: 'skip', to: null, reason: 'no e-mail address (E2)' };
  if (!isEmailAddress(contact.email)) return { channel: 'email', verdict: 'fail', to: contact.email, reason: 'invalid e-mail address' };
  return { channel: 'email', verdict: 'send', to: contact.email };
}

function smsChoice(contact: ChannelContact | null, setting: SmsSetting): ChannelChoice {
  if (!setting.smsEnabled) return { channel: 'sms', verdict: 'skip', to: null, reason: 'SMS is off for this property' };
  const mobile = contact?.mobile ?? null;
  const r = smsRecipient(mobile, setting.smsCountries);
  return 'skip' in r ? { channel: 'sms', verdict: 'skip', to: mobile, reason: r.skip } : { channel: 'sms', verdict: 'send', to: r.to };
}
