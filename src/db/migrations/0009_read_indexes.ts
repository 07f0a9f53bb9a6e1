import { sql, type Kysely } from 'kysely';

/**
 * What the console reads (residents search and pages, resident and unit views, the dashboard) at
 * portfolio scale: 100,000 residents over 100 properties answer a search in a few milliseconds
 * (README: "Residents search: query plans and figures").
 *
 * - `pebbles_fold(text)`: a name as search compares it (lower case, accents removed: "José" is found
 *   by "jose"). Declared immutable around unaccent with its dictionary named, so an index can use it.
 * - A trigram index on the folded full name: a fragment anywhere in a name ("mit" in "Smith") is an
 *   index search, at one property or across all of them.
 * - `unit.number_key`: a unit number as it sorts for people (2 before 10, A2 before A10): lower case,
 *   every run of digits padded to ten, compared byte by byte. Stored, so a page of a property's
 *   residents sorts on plain bytes (a collation that compares numbers costs 8 ms per 1,000 rows).
 * - Indexes that let every per-property read start from the property: registrations by property and
 *   resident (and by unit), current keys, failed deliveries, a resident's notifications, leases of a
 *   unit, leases missing in Entrata or quarantined, blocks of a resident, unit numbers by prefix.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create extension if not exists unaccent`.execute(db);
  await sql`
    create function pebbles_fold(text) returns text
    language sql immutable parallel safe strict
    as $$ select lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$`.execute(db);
  // Pad each digit run with ten zeros, then keep its last ten digits (longer runs stay whole, and still sort after).
  await sql`
    create function pebbles_natural_key(text) returns text
    language sql immutable parallel safe strict
    as $$ select regexp_replace(regexp_replace(lower($1), '([0-9]+)', '0000000000\\1', 'g'), '0*([0-9]{10})', '\\1', 'g') $$`.execute(db);
  await sql`alter table unit add column number_key text collate "C" generated always as (pebbles_natural_key(number)) stored`.execute(db);

  await sql`create index resident_name_trgm_idx on resident using gin (pebbles_fold(first_name || ' ' || last_name) gin_trgm_ops)`.execute(db);
  await sql`create index registration_property_resident_idx on registration (property_id, resident_id, id)`.execute(db);
  await sql`create index registration_property_unit_idx on registration (property_id, unit_entrata_id)`.execute(db);
  await sql`create index unit_number_prefix_idx on unit (property_id, lower(number) text_pattern_ops)`.execute(db);
  await sql`create index psk_property_current_idx on psk (property_id, resident_id) where current`.execute(db);
  await sql`create index psk_resident_idx on psk (resident_id, property_id, id)`.execute(db);
  await sql`create index delivery_failed_idx on delivery (outbox_id) where state = 'failed'`.execute(db);
  await sql`create index outbox_resident_idx on outbox (resident_id, property_id, id)`.execute(db);
  await sql`create index lease_mirror_unit_idx on lease_mirror (property_id, (data->>'unitId'))`.execute(db);
  await sql`create index lease_mirror_trouble_idx on lease_mirror (property_id) where missing_since is not null or quarantine_reason is not null`.execute(db);
  await sql`create index block_resident_idx on block (resident_id, property_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const i of [
    'block_resident_idx',
    'lease_mirror_trouble_idx',
    'lease_mirror_unit_idx',
    'outbox_resident_idx',
    'delivery_failed_idx',
    'psk_resident_idx',
    'psk_property_current_idx',
    'unit_number_prefix_idx',
    'registration_property_unit_idx',
    'registration_property_resident_idx',
    'resident_name_trgm_idx',
  ]) {
    await sql`drop index if exists ${sql.id(i)}`.execute(db);
  }
  await sql`alter table unit drop column number_key`.execute(db);
  await sql`drop function if exists pebbles_natural_key(text)`.execute(db);
  await sql`drop function if exists pebbles_fold(text)`.execute(db);
}
