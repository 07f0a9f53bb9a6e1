import type { ColumnType, Generated } from 'kysely';

/** Table types for Kysely; each migration that changes a table changes its type here. */
export interface DB {
  entrata_account: EntrataAccountTable;
}

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
