// Notifications: the outbox delivered by e-mail and SMS, with message history (N1..N4, P3, P4, F-13..F-18).
export {
  deliverDue,
  backoffMs,
  messageIdFor,
  idempotencyKeyFor,
  DEFAULT_POLICY,
  type BatchResult,
  type DeliveryDeps,
  type DeliveryPolicy,
  type StoredCopy,
} from './deliver.ts';
export { startDelivery, policyFromConfig, catcherWanted, MAIL_STOPPED_MESSAGE, type RunningDelivery, type StartDeliveryOptions } from './worker.ts';
export { startCatcher, type RunningCatcher } from './catcher.ts';
export { smtpMailPort, classifySmtpError } from './mail.ts';
export { httpSmsPort } from './sms.ts';
export { DeliveryError, type MailPort, type SmsPort, type OutgoingMail, type OutgoingSms } from './ports.ts';
export { renderMessage, type RenderInput, type RenderedMessage } from './render.ts';
export { NOTIFICATION_KINDS, KEY_KINDS, KIND_TRAITS, outboxNotice, readNotice, type Notice, type NotificationKind, type PayloadOf } from './payloads.ts';
export { chooseChannels, type Channel, type ChannelChoice } from './channels.ts';
export {
  sendMessage,
  notificationsOf,
  notificationProblems,
  messageContent,
  setMessageContact,
  NotificationError,
  MASK,
  type NotificationView,
  type ShownState,
} from './staff.ts';
export { caughtMessages, caughtMessage } from './caught.ts';
