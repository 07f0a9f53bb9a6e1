import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { simpleParser } from 'mailparser';
import { caughtContent, caughtMessages } from '../../notifications/caught.ts';
import { printJson, printTable, UsageError, withApp } from '../run.ts';
import { cliStaff } from './resident.ts';

/** `pebbles mail list/show`: what the embedded mail and SMS catchers kept (no SMTP configured). */
export function register(program: Command): void {
  const mail = program.command('mail').description('Messages caught locally by the embedded mail and SMS catchers (when no SMTP is configured)');

  mail
    .command('list')
    .description('Caught e-mails and SMS, newest first')
    .option('--limit <n>', 'how many', '50')
    .addOption(new Option('--channel <channel>', 'only e-mail or only SMS').choices(['email', 'sms']))
    .addOption(new Option('--json', 'print JSON'))
    .addHelpText('after', '\nJSON: one object per message: {"id","channel","receivedAt","from","to","subject","messageId","size"}.')
    .action(async (o: { limit: string; channel?: 'email' | 'sms'; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit: a whole number from 1');
      await withApp(async (app) => {
        const rows = await caughtMessages(app.db, { limit, channel: o.channel });
        if (o.json) return printJson(rows);
        printTable(
          rows.map((r) => ({ ...r, subject: r.subject.length > 60 ? `${r.subject.slice(0, 57)}...` : r.subject })),
          ['id', 'channel', 'receivedAt', 'to', 'subject'],
        );
      });
    });

  mail
    .command('show')
    .description('One caught message: headers, text and attachments, the key masked unless --reveal-key')
    .argument('<id>', 'id from `pebbles mail list`')
    .option(
      '--html <file>',
      'also write the HTML body, with its images inlined, to this file (open it in a browser); the QR code holds the key, so it is a placeholder unless --reveal-key',
    )
    .option('--raw', 'print the raw message as received (the key masked and the QR code replaced unless --reveal-key)')
    .option('--reveal-key', 'show the key and the QR code (recorded in the audit trail, P3)')
    .action(async (idText: string, o: { html?: string; raw?: boolean; revealKey?: boolean }) => {
      const id = Number(idText);
      if (!Number.isInteger(id) || id < 1) throw new UsageError(`not a message id: ${idText}`);
      await withApp(async (app) => {
        const m = await caughtContent(app.db, app.secrets, { id, revealKeys: !!o.revealKey, staff: cliStaff() });
        if (!m) throw new UsageError(`no caught message ${id} (see \`pebbles mail list\`)`, { code: 'not-found', category: 'not-found', exitCode: 1 });
        const note = m.keyMasked ? 'The key is masked (--reveal-key shows it, recorded in the audit trail).' : null;
        if (o.raw) {
          process.stdout.write(m.raw.endsWith('\n') ? m.raw : `${m.raw}\n`);
          if (note) process.stderr.write(`${note}\n`);
          return;
        }
        if (m.channel === 'sms') {
          process.stdout.write(`SMS ${m.id} received ${m.receivedAt}\nFrom: ${m.from}\nTo: ${m.to}\n\n${m.raw}\n${note ? `\n${note}\n` : ''}`);
          return;
        }
        const parsed = await simpleParser(m.raw);
        const hidden = new Set(m.hidden);
        const out = [
          `E-mail ${m.id} received ${m.receivedAt}`,
          `From: ${parsed.from?.text ?? m.from}`,
          `To: ${m.to}`,
          ...(parsed.replyTo ? [`Reply-To: ${parsed.replyTo.text}`] : []),
          `Subject: ${parsed.subject ?? ''}`,
          `Message-ID: ${parsed.messageId ?? '-'}`,
          '',
          (parsed.text ?? '').trimEnd(),
          '',
          ...parsed.attachments.map(
            (a) =>
              `[attachment] ${a.filename ?? '(unnamed)'} ${a.contentType}${a.contentId && hidden.has(a.contentId) ? ' hidden: it holds the key' : ` ${a.size} bytes`}${a.contentId ? ` cid ${a.contentId}` : ''}`,
          ),
          ...(note ? ['', note] : []),
        ];
        process.stdout.write(`${out.join('\n')}\n`);
        if (o.html) {
          await writeFile(o.html, typeof parsed.html === 'string' ? parsed.html : '', { mode: 0o600 });
          process.stdout.write(`HTML written to ${o.html}${hidden.size > 0 ? ' (the QR code replaced by a placeholder)' : ''}\n`);
        }
      });
    });
}
