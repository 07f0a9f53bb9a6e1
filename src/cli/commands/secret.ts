import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { assertSecretKeyConfigured, rotateSecretKey, usesKeyFile } from '../../app/secret-key.ts';
import { loadConfig, decodeKey } from '../../config/config.ts';
import { printJson, secretArg, UsageError, withApp } from '../run.ts';

/** The new key from --new-key-file or --new-key (null: generate one). */
async function newKeyFrom(o: { newKeyFile?: string; newKey?: string }): Promise<Buffer | null> {
  if (o.newKeyFile && o.newKey) throw new UsageError('give either --new-key-file or --new-key, not both');
  let text: string | undefined;
  if (o.newKeyFile) {
    text = await readFile(o.newKeyFile, 'utf8').catch((err: Error) => {
      throw new UsageError(`--new-key-file ${o.newKeyFile}: ${err.message}`);
    });
  } else if (o.newKey) text = await secretArg(o.newKey, 'PEBBLES_NEW_SECRET_KEY', '--new-key');
  if (text === undefined) return null;
  const key = decodeKey(text);
  if (!key) throw new UsageError('the new key must be 32 bytes, as 64 hex characters or base64 (`openssl rand -hex 32` makes one)');
  return key;
}

export function register(program: Command): void {
  const secret = program.command('secret').description('The secret key that encrypts stored secrets');

  secret
    .command('rotate')
    .description('Re-encrypt every stored secret under a new key, in one transaction')
    .option('--new-key-file <file>', 'read the new key from this file (64 hex characters or base64)')
    .option('--new-key <key>', 'the new key; "-" reads it from standard input')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
The current key is PEBBLES_SECRET_KEY, or PEBBLES_DATA_DIR/secret.key on the embedded default.
With neither --new-key-file nor --new-key, a new key is generated: only with the key file, which then
holds it (the new key is written to secret.key.new first and put in place after the commit; the old
one is kept as secret.key.old, for backups made before now). With PEBBLES_SECRET_KEY, give the new key
and then set PEBBLES_SECRET_KEY to it wherever Pebbles runs.
Processes still running with the old key cannot write a secret after the rotation (the database refuses
values under any key but its own) and cannot decrypt: restart them with the new key.`,
    )
    .action(async (o: { newKeyFile?: string; newKey?: string; json?: boolean }) => {
      const newKey = await newKeyFrom(o);
      const config = loadConfig();
      assertSecretKeyConfigured(config);
      if (!newKey && !usesKeyFile(config)) {
        throw new UsageError(
          'the key comes from PEBBLES_SECRET_KEY, so no key file can keep a generated one: give the new one with --new-key-file FILE or --new-key - (`openssl rand -hex 32` makes one)',
        );
      }
      await withApp(async (app) => {
        const result = await rotateSecretKey(app.db, app.config, app.secrets, newKey);
        app.log.info({ counts: result.counts }, 'secret key rotated');
        if (o.json) return printJson({ rotated: true, reencrypted: result.counts, keyFile: result.keyFile });
        const counts = Object.entries(result.counts)
          .map(([what, n]) => `${n} ${what}`)
          .join(', ');
        process.stdout.write(`secret key rotated: ${counts} re-encrypted under the new key\n`);
        process.stdout.write(
          result.keyFile
            ? `the new key is in ${result.keyFile}; the old one is kept as ${result.keyFile}.old (for backups made before now)\n`
            : 'now set PEBBLES_SECRET_KEY to the new key wherever Pebbles runs, and restart every process\n',
        );
      });
    });
}
