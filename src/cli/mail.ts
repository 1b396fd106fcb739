// `monolite mail preview|test|templates`: renders a mail template as the server would send it, sends a test message
// with the live [mail] settings while printing the SMTP dialogue, and lists the templates.
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { createLogger } from '../log/logger.ts';
import { SmtpError } from '../lib/smtp.ts';
import { Mailer, MailConfigError, type OutgoingMail } from '../mail/mailer.ts';
import { checkTemplateFiles, TEMPLATES, TEMPLATES_FOLDER, TemplateError } from '../mail/templates.ts';
import { CommandError, UsageError, pickSubcommand, readConfig, subcommandUsage, type Command, type CommandIO, type SubcommandSpec } from './command.ts';
import { printTable } from './table.ts';

interface Subcommand extends SubcommandSpec {
  run(io: CommandIO, args: string[]): Promise<number>;
}

/** Sample values for `preview`: what a real message would carry. */
const SAMPLE_VARS: Record<string, string | number> = {
  code: '482916', minutes: 15, email: 'ada@example.com', new_email: 'ada.lovelace@example.org', old_email: 'ada@example.com',
  host: 'smtp.example.com', time: new Date(0).toISOString(),
};

const SUBCOMMANDS: Record<string, Subcommand> = {
  preview: {
    usage: 'monolite mail preview TEMPLATE [--raw]\n' +
      '  render TEMPLATE with sample values and the [mail] settings: subject, text part and HTML part\n' +
      '  (template files in <data-dir>/mail-templates/ replace the built-in parts)\n' +
      '      --raw    print the MIME message exactly as it would be sent (DKIM-signed when configured)',
    options: ['raw'], args: [1, 1],
    async run(io, [template]) {
      if (!Object.hasOwn(TEMPLATES, template)) throw new UsageError(`No mail template "${template}"; expected one of ${Object.keys(TEMPLATES).join(', ')}`);
      const settings = loadMailSettings(io);
      // A preview works before the sender is configured.
      const mailer = new Mailer({ settings: () => ({ ...settings, from: settings.from || 'noreply@example.com' }), dataDir: io.dataDir, log: quietLog() });
      const mail: OutgoingMail = { to: 'ada@example.com', toName: 'Ada Lovelace', template, vars: SAMPLE_VARS };
      const composed = guard(() => mailer.compose(mail));
      if (io.values.raw === true) {
        io.stdout.write(composed.raw);
        return 0;
      }
      const { subject, text, html } = composed.rendered;
      io.stdout.write(`Subject: ${subject}\nFrom: ${settings.from_name} <${settings.from || 'noreply@example.com'}>\nTo: Ada Lovelace <ada@example.com>\n\n` +
        `----- text part -----\n${text}\n----- HTML part -----\n${html}`);
      return 0;
    },
  },
  test: {
    usage: 'monolite mail test ADDRESS\n  send a test message to ADDRESS with the live [mail] settings, printing the SMTP dialogue (credentials masked)',
    options: [], args: [1, 1],
    async run(io, [address]) {
      const settings = loadMailSettings(io);
      const mailer = new Mailer({ settings: () => settings, dataDir: io.dataDir, log: quietLog() });
      const mail: OutgoingMail = { to: address, template: 'test', vars: { host: `${settings.host}:${settings.port}`, time: new Date().toISOString() } };
      try {
        const result = await mailer.send(mail, { onLine: (direction, line) => io.stdout.write(`${direction === 'client' ? 'C' : 'S'}: ${line}\n`) });
        io.stdout.write(`\nSent to ${result.accepted.join(', ')} (Message-ID ${result.messageId}): ${result.reply.code} ${result.reply.lines.join(' ')}\n`);
        return 0;
      } catch (err) {
        if (err instanceof SmtpError) {
          throw new CommandError(`${err.message} (${err.permanent ? 'permanent' : 'transient'} failure, ${err.code})`);
        }
        throw guardError(err);
      } finally {
        await mailer.close();
      }
    },
  },
  templates: {
    usage: 'monolite mail templates\n  the mail templates, their variables, and problems of the files in <data-dir>/mail-templates/',
    options: [], args: [0, 0],
    async run(io) {
      printTable(io.stdout, [
        ['TEMPLATE', 'VARIABLES', 'PURPOSE'],
        ...Object.entries(TEMPLATES).map(([name, t]) => [name, t.variables.join(', '), t.description]),
      ]);
      const problems = checkTemplateFiles(join(io.dataDir, TEMPLATES_FOLDER));
      for (const problem of problems) io.stderr.write(`monolite: ${problem}\n`);
      return problems.length > 0 ? 1 : 0;
    },
  },
};

/** The `mail` command. */
export const mailCommand: Command = {
  name: 'mail',
  usage: Object.values(SUBCOMMANDS).map((s) => s.usage.split('\n')[0]).join('\n'),
  options: { raw: { type: 'boolean' } },
  subcommandUsage: (positionals) => subcommandUsage(SUBCOMMANDS, positionals),
  async run(io) {
    const { sub, args } = pickSubcommand(mailCommand, SUBCOMMANDS, io);
    return sub.run(io, args);
  },
};

function loadMailSettings(io: CommandIO): Config['mail'] {
  return readConfig(io).mail;
}

// The mailer's own log lines would repeat what the command prints.
function quietLog() {
  return createLogger({ level: 'error', format: 'json', stream: process.stderr });
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw guardError(err);
  }
}

/** Template and configuration problems are the user's to fix: one line, no stack. */
function guardError(err: unknown): unknown {
  if (err instanceof TemplateError || err instanceof MailConfigError || err instanceof TypeError) return new CommandError((err as Error).message);
  return err;
}
