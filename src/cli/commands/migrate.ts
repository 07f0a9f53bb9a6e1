import type { Command } from 'commander';
import { migrateQueueSchema, QUEUE_SCHEMA } from '../../jobs/queue-schema.ts';
import { loadJobSettings } from '../../jobs/settings.ts';
import { withApp } from '../run.ts';

export function register(program: Command): void {
  program
    .command('migrate')
    .description("Bring the database schema up to date: Pebbles' tables and the job queue's (also done at every start)")
    .addHelpText(
      'after',
      `
Uses DATABASE_URL, or the embedded server in PEBBLES_DATA_DIR when it is unset.
Run it after a database was created again or restored from a backup: running workers and web
servers wait for it (their /readyz says what is missing) and go on by themselves once it is done.
It only creates and alters; it never drops anything.`,
    )
    .action(async () => {
      const settings = loadJobSettings();
      // Opening the app applies Pebbles' own migrations (and logs which).
      await withApp(async (app) => {
        const q = await migrateQueueSchema(app.db, app.database.url, settings);
        const schema =
          q.from === null
            ? `created schema ${QUEUE_SCHEMA} (version ${q.to})`
            : q.from < q.to
              ? `migrated schema ${QUEUE_SCHEMA} from version ${q.from} to ${q.to}`
              : `schema ${QUEUE_SCHEMA} is up to date (version ${q.to})`;
        const queues = [
          q.created.length ? `created queues ${q.created.join(', ')}` : '',
          q.updated.length ? `updated queues ${q.updated.join(', ')}` : '',
        ].filter(Boolean);
        app.log.info({ queueSchema: { from: q.from, to: q.to }, created: q.created, updated: q.updated }, `job queue: ${[schema, ...queues].join('; ')}`);
        app.log.info('database schema is up to date');
      });
    });
}
