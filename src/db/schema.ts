import type { ColumnType, Generated } from 'kysely';

/** Table types for Kysely; each migration that changes a table changes its type here. */

/** A timestamptz column with a database default: optional on insert. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface EntrataAccountTable {
  id: Generated<number>;
  name: string;
  subdomain: string;
  base_url: string | null;
  country: Generated<string>;
  credential_kind: 'apikey' | 'basic';
  credential_encrypted: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

type Id = Generated<number>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export interface DB {
  entrata_account: EntrataAccountTable;
  property: PropertyTable;
  unit: UnitTable;
  resident: ResidentTable;
  lease_mirror: LeaseMirrorTable;
  sync_run: SyncRunTable;
  registration: RegistrationTable;
  psk: PskTable;
  lease_override: LeaseOverrideTable;
  block: BlockTable;
  hold: HoldTable;
  audit_event: AuditEventTable;
  outbox: OutboxTable;
  network_key: NetworkKeyTable;
  delivery: DeliveryTable;
  staff_message: StaffMessageTable;
  caught_message: CaughtMessageTable;
}

export interface PropertyTable {
  id: Id;
  account_id: number;
  entrata_id: string;
  name: Generated<string>;
  time_zone: string;
  ssid: string;
  enabled: Generated<boolean>;
  sync_interval_minutes: Generated<number>;
  sms_enabled: Generated<boolean>;
  first_welcome: Generated<boolean>;
  early_move_in_days: Generated<number>;
  late_move_out_days: Generated<number>;
  default_early_move_in_days: Generated<number>;
  default_late_move_out_days: Generated<number>;
  enabled_at: Timestamp;
  first_synced_at: NullableTimestamp;
  last_sync_at: NullableTimestamp;
  last_success_at: NullableTimestamp;
  last_error: Json | null;
  consecutive_failures: Generated<number>;
  next_sync_at: NullableTimestamp;
  next_transition_at: NullableTimestamp;
  network_version: Generated<number>;
  created_at: Timestamp;
  // 0004_notifications: sender name and support contact printed in messages.
  mail_sender_name: ColumnType<string | null, string | null | undefined, string | null>;
  support_email: ColumnType<string | null, string | null | undefined, string | null>;
  support_phone: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UnitTable {
  id: Id;
  property_id: number;
  entrata_id: string;
  number: string;
  building: string | null;
  spaces: Json<Array<{ id: string; label: string }>>;
  missing_since: NullableTimestamp;
  removed_at: NullableTimestamp;
  removed_by: string | null;
}

export interface ResidentTable {
  id: Id;
  account_id: number;
  customer_id: string;
  first_name: Generated<string>;
  last_name: Generated<string>;
  email: string | null;
  mobile: string | null;
  contact_problems: TextArray;
  linked_to: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LeaseMirrorTable {
  property_id: number;
  lease_id: string;
  data: Json;
  status: string;
  customer_ids: TextArray;
  quarantine_reason: string | null;
  missing_since: NullableTimestamp;
  updated_at: Timestamp;
}

export interface SyncRunTable {
  id: Id;
  property_id: number;
  trigger: string;
  scope: Json | null;
  started_at: Timestamp;
  finished_at: NullableTimestamp;
  status: Generated<string>;
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  error: Json | null;
  hold_id: number | null;
  actor: string | null;
}

export interface RegistrationTable {
  id: Id;
  resident_id: number;
  property_id: number;
  unit_entrata_id: string;
  space_ids: TextArray;
  lease_ids: TextArray;
  state: 'pending' | 'active' | 'blocked' | 'ended';
  access_start: NullableTimestamp;
  access_end: NullableTimestamp;
  ended_at: NullableTimestamp;
  rule: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PskTable {
  id: Id;
  resident_id: number;
  property_id: number;
  secret_encrypted: string;
  fingerprint: string;
  current: Generated<boolean>;
  rule: string | null;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface LeaseOverrideTable {
  property_id: number;
  lease_id: string;
  customer_id: string;
  early_start_at: NullableTimestamp;
  late_end_at: NullableTimestamp;
  move_in_now_at: NullableTimestamp;
  move_out_now_at: NullableTimestamp;
  transfer_now_at: NullableTimestamp;
  pinned_at: NullableTimestamp;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface BlockTable {
  id: Id;
  resident_id: number;
  property_id: number;
  starts_at: ColumnType<Date, Date | string, Date | string>;
  message: string | null;
  created_by: string;
  created_at: Timestamp;
  lifted_at: NullableTimestamp;
  lifted_by: string | null;
}

export interface HoldTable {
  id: Id;
  property_id: number;
  state: Generated<'open' | 'approved' | 'rejected'>;
  endings: Json;
  opened_at: Timestamp;
  opened_by_run: number | null;
  decided_at: NullableTimestamp;
  decided_by: string | null;
}

export interface AuditEventTable {
  id: Id;
  at: Timestamp;
  property_id: number | null;
  resident_id: number | null;
  actor: string;
  run_id: number | null;
  action: string;
  rule: string | null;
  lease_id: string | null;
  details: Json;
}

export interface OutboxTable {
  id: Id;
  /** Null only for mail to a staff user (0008_staff: a password reset). */
  property_id: number | null;
  resident_id: number | null;
  kind: string;
  rule: string | null;
  payload: Json;
  state: Generated<string>;
  not_before: Timestamp;
  attempts: Generated<number>;
  last_error: string | null;
  created_by: string;
  run_id: number | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
}

export interface NetworkKeyTable {
  property_id: number;
  psk_id: number;
  resident_id: number;
  unit_entrata_id: string;
}

// ───────────────────────────── 0004_notifications ─────────────────────────────

export type DeliveryState = 'queued' | 'sending' | 'sent' | 'retrying' | 'failed' | 'skipped';

export interface DeliveryTable {
  id: Id;
  outbox_id: number;
  channel: 'email' | 'sms';
  state: ColumnType<DeliveryState, DeliveryState | undefined, DeliveryState>;
  maybe_twice: Generated<boolean>;
  recipient: string | null;
  attempts: Generated<number>;
  not_before: Timestamp;
  lease_until: NullableTimestamp;
  worker: string | null;
  last_error: string | null;
  provider_id: string | null;
  subject: string | null;
  content_encrypted: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: NullableTimestamp;
}

export interface StaffMessageTable {
  id: Id;
  property_id: number;
  kind: 'message' | 'blast';
  subject: string;
  body: string;
  recipients: Generated<number>;
  send_at: ColumnType<Date, Date | string, Date | string>;
  created_by: string;
  created_at: Timestamp;
}

export interface CaughtMessageTable {
  id: Id;
  channel: 'email' | 'sms';
  message_id: string | null;
  sender: Generated<string>;
  recipients: Generated<string>;
  subject: Generated<string>;
  size: Generated<number>;
  raw_encrypted: string;
  received_at: Timestamp;
}

// 0003_jobs: scheduling and the Entrata budget (declaration merging keeps the tables above untouched).
export interface DB {
  entrata_rate_limit: EntrataRateLimitTable;
  dispatcher_state: DispatcherStateTable;
  plan_input_change: PlanInputChangeTable;
}

export interface PropertyTable {
  effective_interval_minutes: number | null;
  budget_note: string | null;
  entrata_calls: ColumnType<Record<string, number>, string | undefined, string>;
  /** pg_current_snapshot() as text, taken before the inputs of the property's last plan were read. */
  plan_snapshot: string | null;
  planned_at: NullableTimestamp;
  /** Digests of the last full Entrata read that the mirror matched: its answers' bytes, its lease nodes (src/sync/steady.ts). */
  answers_digest: string | null;
  nodes_digest: string | null;
}

/** One row per transaction that wrote a table plan() reads, per account it touched (0: every account). */
export interface PlanInputChangeTable {
  txid: string;
  account_id: number;
  at: Timestamp;
}

export interface EntrataRateLimitTable {
  account_id: number;
  service: string;
  observed_at: ColumnType<Date, Date | string, Date | string>;
  windows: Json<Array<{ name: string; limit: number; remaining: number; resetSeconds: number }>>;
}

export interface DispatcherStateTable {
  id: number;
  last_tick_at: NullableTimestamp;
  last_tick_by: string | null;
}

// 0007_suspicious_answers: why a run's Entrata answer looks wrong though it was applied (null: nothing seen).
export interface SyncRunTable {
  suspicious: ColumnType<string | null, string | null | undefined, string | null>;
}

// 0006_secret_check: the secret key's check value (one row; src/app/secret-key.ts).
export interface DB {
  secret_check: SecretCheckTable;
}

export interface SecretCheckTable {
  id: Generated<number>;
  check_value: string;
  key_id: string;
  created_at: Timestamp;
  rotated_at: NullableTimestamp;
}

// 0008_staff: staff users, their roles per property, sessions, API tokens, password resets, sign-in attempts.
export interface DB {
  staff_user: StaffUserTable;
  staff_role: StaffRoleTable;
  staff_session: StaffSessionTable;
  api_token: ApiTokenTable;
  api_token_property: ApiTokenPropertyTable;
  password_reset: PasswordResetTable;
  sign_in_attempt: SignInAttemptTable;
}

type At = ColumnType<Date, Date | string, Date | string>;

export interface StaffUserTable {
  id: Id;
  email: string;
  /** argon2id (PHC string). */
  password_hash: string;
  admin: Generated<boolean>;
  must_change_password: Generated<boolean>;
  disabled_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StaffRoleTable {
  user_id: number;
  property_id: number;
  role: 'owner' | 'manager' | 'employee';
  created_at: Timestamp;
}

export interface StaffSessionTable {
  id: Id;
  user_id: number;
  /** SHA-256 of the cookie's secret (hex). */
  secret_hash: string;
  csrf_token: string;
  created_at: At;
  last_seen_at: At;
  idle_expires_at: At;
  expires_at: At;
  revoked_at: NullableTimestamp;
}

export interface ApiTokenTable {
  id: Id;
  name: string;
  role: 'admin' | 'owner' | 'manager' | 'employee';
  /** SHA-256 of the token (hex). */
  secret_hash: string;
  created_by: number | null;
  created_at: At;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface ApiTokenPropertyTable {
  token_id: number;
  property_id: number;
}

export interface PasswordResetTable {
  id: Id;
  user_id: number;
  /** SHA-256 of the link's token (hex). */
  token_hash: string;
  created_at: At;
  expires_at: At;
  used_at: NullableTimestamp;
}

export interface SignInAttemptTable {
  id: Id;
  at: At;
  email: string;
  address: string;
  succeeded: boolean;
}

export interface OutboxTable {
  /** The staff user a staff mail goes to (a password reset); null for residents' notifications. */
  staff_user_id: ColumnType<number | null, number | null | undefined, number | null>;
}

// 0010_message_scope: a staff message's channels, unit scope and cancellation; a caught message's notification.
export interface StaffMessageTable {
  channels: ColumnType<Array<'email' | 'sms'>, Array<'email' | 'sms'> | undefined, Array<'email' | 'sms'>>;
  unit_entrata_id: string | null;
  cancelled_at: NullableTimestamp;
  cancelled_by: string | null;
}

export interface CaughtMessageTable {
  notification_id: number | null;
}

// 0009_read_indexes: a unit number as it sorts for people (2 before 10), kept by the database.
export interface UnitTable {
  number_key: ColumnType<string, never, never>;
}
