import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { AppContext } from '../../app/context.ts';
import { cancelMessage } from '../../notifications/cancel.ts';
import {
  messageContent,
  notificationProblems,
  notificationsOf,
  sendMessage,
  setMessageContact,
  type MessageChannel,
  type ShownState,
} from '../../notifications/staff.ts';
import { resendKeys } from '../../operations/resend.ts';
import { registeredPropertyOf } from '../../operations/residents.ts';
import { getProperty } from '../../properties/properties.ts';
import { printJson, printTable, UsageError, withApp } from '../run.ts';
import { cliStaff } from './resident.ts';
import { isoTimeArg } from './property.ts';

const ids = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The property of a command: the one given, or the one where all the customers are registered. */
async function propertyFor(app: AppContext, o: { property?: string; account?: string }, customers: string[]): Promise<number> {
  if (o.property) return (await getProperty(app.db, o.property, o.account)).id;
  return registeredPropertyOf(app.db, customers);
}

export function register(program: Command): void {
  program
    .command('notifications')
    .description('Message history of a property: every notification and channel, with its delivery state (F-16)')
    .option('--account <name>', 'the account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .option('--customer <id>', 'only this resident')
    .option('--problems', 'only failed notifications and ones that may have gone twice')
    .option('--limit <n>', 'how many, newest first', '200')
    .option('--content <deliveryId>', 'print what one delivery sent (the key masked)')
    .option('--reveal-key', 'with --content: show the key (recorded in the audit trail, P3)')
    .addOption(new Option('--json', 'print JSON'))
    .addHelpText(
      'after',
      `
States: scheduled (not due yet), queued, sending, sent, retrying (with the last error), failed,
skipped (with the reason, e.g. no mobile number), maybe-twice (sent; a crash or time-out fell between
the provider accepting it and our record, so it may have arrived twice: rule N4).
JSON: one object per notification and channel:
{"id","kind","customerId","channel","state","createdAt","sentAt","error", "deliveryId","rule","recipient","subject","attempts","dueAt","maybeTwice","providerId","createdBy"}`,
    )
    .action(
      async (o: {
        account?: string;
        property: string;
        customer?: string;
        problems?: boolean;
        limit: string;
        content?: string;
        revealKey?: boolean;
        json?: boolean;
      }) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit: a whole number from 1');
        if (o.revealKey && !o.content) throw new UsageError('--reveal-key goes with --content');
        await withApp(async (app) => {
          const p = await getProperty(app.db, o.property, o.account);
          if (o.content) {
            const deliveryId = Number(o.content);
            if (!Number.isInteger(deliveryId)) throw new UsageError(`--content: not a delivery id: ${o.content}`);
            const c = await messageContent(app.db, app.secrets, { deliveryId, revealKeys: !!o.revealKey, staff: cliStaff(), propertyDbId: p.id });
            if (o.json)
              return printJson({
                deliveryId: c.deliveryId,
                id: c.notificationId,
                channel: c.channel,
                from: c.from,
                to: c.to,
                subject: c.subject,
                messageId: c.messageId,
                text: c.text,
                keyMasked: c.keyMasked,
              });
            process.stdout.write(
              [
                `${c.channel === 'email' ? 'E-mail' : 'SMS'} of notification ${c.notificationId}`,
                ...(c.from ? [`From: ${c.from}`] : []),
                `To: ${c.to}`,
                ...(c.subject ? [`Subject: ${c.subject}`] : []),
                '',
                c.text,
                '',
              ].join('\n'),
            );
            return;
          }
          let rows = await notificationsOf(app.db, p.id, { limit, customerId: o.customer });
          if (o.problems) rows = rows.filter((r) => r.state === 'failed' || r.maybeTwice);
          if (o.json) {
            return printJson(
              rows.map((r) => ({
                id: r.id,
                kind: r.kind,
                customerId: r.customerId,
                channel: r.channel,
                state: r.state as ShownState,
                createdAt: r.createdAt,
                sentAt: r.sentAt,
                error: r.error,
                deliveryId: r.deliveryId,
                rule: r.rule,
                recipient: r.recipient,
                subject: r.subject,
                attempts: r.attempts,
                dueAt: r.dueAt,
                maybeTwice: r.maybeTwice,
                providerId: r.providerId,
                createdBy: r.createdBy,
              })),
            );
          }
          printTable(
            rows.map((r) => ({ ...r, error: r.error && r.error.length > 70 ? `${r.error.slice(0, 67)}...` : r.error })),
            ['id', 'deliveryId', 'kind', 'customerId', 'channel', 'state', 'attempts', 'createdAt', 'sentAt', 'error'],
          );
          const problems = await notificationProblems(app.db, p.id);
          if (problems.failed + problems.maybeTwice > 0)
            process.stdout.write(`problems: ${problems.failed} failed, ${problems.maybeTwice} may have gone twice (see --problems)\n`);
        });
      },
    );

  program
    .command('resend')
    .description('Send the current Wi-Fi key again to one resident or a selection (N3)')
    .requiredOption('--customer <ids>', 'Entrata customer id, or several separated by commas')
    .option('--property <id>', 'Entrata property id (may be left out when they are registered at one property)')
    .option('--account <name>', 'the account, when several have that property id')
    .addOption(new Option('--json', 'print JSON'))
    .addHelpText('after', '\nJSON: {"queued":[{"customerId","notificationId"}],"refused":[{"customerId","reason"}]}. Exit code 1 when any was refused.')
    .action(async (o: { customer: string; property?: string; account?: string; json?: boolean }) => {
      const customers = ids(o.customer);
      if (customers.length === 0) throw new UsageError('--customer: give at least one customer id');
      await withApp(async (app) => {
        const propertyDbId = await propertyFor(app, o, customers);
        const r = await resendKeys(app.db, { propertyDbId, customerIds: customers, staff: cliStaff() });
        if (o.json) printJson(r);
        else {
          for (const q of r.queued) process.stdout.write(`customer ${q.customerId}: key queued to be sent again (notification ${q.notificationId})\n`);
          for (const f of r.refused) process.stdout.write(`customer ${f.customerId}: not sent: ${f.reason}\n`);
        }
        if (r.refused.length > 0) process.exitCode = 1;
      });
    });

  program
    .command('message')
    .description('Send a personal message to chosen residents, or a blast to every resident of a property, now or later (F-17)')
    .option('--account <name>', 'the account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .requiredOption('--subject <text>', 'subject line')
    .requiredOption('--body-file <file>', 'plain-text body ("-" reads standard input)')
    .option('--to <ids>', 'customer ids separated by commas; without it, every resident with access gets it (a blast)')
    .option('--unit <number>', 'a blast to the current residents of this unit only')
    .option('--building <name>', 'with --unit: its building, when several units share the number')
    .addOption(new Option('--channels <list>', 'how it goes: email, sms, or email,sms').default('email'))
    .option('--at <iso>', 'when to send (ISO-8601); default now')
    .addOption(new Option('--json', 'print JSON'))
    .addHelpText(
      'after',
      '\nEach recipient gets their own e-mail: nobody sees anyone else. `pebbles message-cancel` cancels a scheduled one.\nJSON: {"messageId","kind":"message|blast","recipients","sendAt","channels","refused":[{"customerId","reason"}],"noContact":[{"customerId","name","missing"}]}',
    )
    .action(
      async (o: {
        account?: string;
        property: string;
        subject: string;
        bodyFile: string;
        to?: string;
        unit?: string;
        building?: string;
        channels: string;
        at?: string;
        json?: boolean;
      }) => {
        const at = o.at ? isoTimeArg('--at')(o.at) : undefined;
        let body: string;
        if (o.bodyFile === '-') {
          const chunks: Buffer[] = [];
          for await (const c of process.stdin) chunks.push(c as Buffer);
          body = Buffer.concat(chunks).toString('utf8');
        } else
          body = await readFile(o.bodyFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
            throw new UsageError(`--body-file: cannot read ${o.bodyFile} (${err.code ?? err.message})`);
          });
        const to = o.to !== undefined ? ids(o.to) : undefined;
        if (to && to.length === 0) throw new UsageError('--to: give at least one customer id');
        if (o.building && !o.unit) throw new UsageError('--building goes with --unit');
        const channels = ids(o.channels);
        if (channels.length === 0 || channels.some((c) => c !== 'email' && c !== 'sms')) throw new UsageError('--channels: email, sms, or email,sms');
        const unit = o.unit ? { number: o.unit, building: o.building ?? null } : undefined;
        await withApp(async (app) => {
          const p = await getProperty(app.db, o.property, o.account);
          const r = await sendMessage(app.db, {
            propertyDbId: p.id,
            staff: cliStaff(),
            subject: o.subject,
            body,
            customerIds: to,
            unit,
            channels: channels as MessageChannel[],
            at,
          });
          if (o.json) return printJson({ ...r, sendAt: r.sendAt.toISOString() });
          process.stdout.write(
            `${r.kind === 'blast' ? 'blast' : 'message'} ${r.messageId} queued for ${r.recipients} resident${r.recipients === 1 ? '' : 's'}${at ? `, to go at ${r.sendAt.toISOString()}` : ''}\n`,
          );
          for (const f of r.refused) process.stdout.write(`customer ${f.customerId}: not sent: ${f.reason}\n`);
          for (const n of r.noContact)
            process.stdout.write(`customer ${n.customerId} (${n.name}): will not receive it: missing ${n.missing} (fix it in Entrata)\n`);
        });
      },
    );

  program
    .command('message-cancel')
    .description('Cancel a scheduled personal message or blast before it goes (F-17)')
    .option('--account <name>', 'the account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .requiredOption('--message <id>', 'the message id `pebbles message` printed')
    .addOption(new Option('--json', 'print JSON'))
    .addHelpText('after', '\nRefused (exit code 1) once any of its notifications has started sending. JSON: {"messageId","cancelled","cancelledAt"}')
    .action(async (o: { account?: string; property: string; message: string; json?: boolean }) => {
      const messageId = Number(o.message);
      if (!Number.isInteger(messageId) || messageId < 1) throw new UsageError(`--message: not a message id: ${o.message}`);
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        const r = await cancelMessage(app.db, { propertyDbId: p.id, messageId, staff: cliStaff(), now: new Date() });
        if (o.json) return printJson(r);
        process.stdout.write(`message ${r.messageId} cancelled: ${r.cancelled} notification${r.cancelled === 1 ? '' : 's'} will not be sent\n`);
      });
    });

  program
    .command('message-contact')
    .description('Set the sender name and support contact printed in a property\'s messages ("none" clears one)')
    .option('--account <name>', 'the account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .option('--sender-name <name>', 'display name of the sender (default: "<property name> Wi-Fi")')
    .option('--support-email <address>', 'where residents write with questions (also the Reply-To)')
    .option('--support-phone <number>', 'a phone number residents may call')
    .action(async (o: { account?: string; property: string; senderName?: string; supportEmail?: string; supportPhone?: string }) => {
      const v = (x: string | undefined) => (x === undefined ? undefined : x === 'none' ? null : x);
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        await setMessageContact(app.db, p.id, { senderName: v(o.senderName), supportEmail: v(o.supportEmail), supportPhone: v(o.supportPhone) });
        process.stdout.write(`message contact of property ${p.entrataId} updated\n`);
      });
    });
}
