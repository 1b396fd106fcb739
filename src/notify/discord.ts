// Discord webhook notifier: a notification becomes one Discord message in restinpieces' layout (fields sorted by
// key, values in code spans), cut to Discord's 2000-character limit, posted with the shared HTTP delivery.
import { HttpNotifier, type HttpNotifierOptions } from './http-notifier.ts';
import type { Notification } from './notifier.ts';

export interface DiscordOptions extends HttpNotifierOptions {
  /** The webhook URL (https://discord.com/api/webhooks/<id>/<token>); a secret, never logged. */
  webhookUrl: string;
}

/** The most characters Discord accepts in a message's `content`. */
export const DISCORD_CONTENT_LIMIT = 2000;
/** Ends a message that was cut to fit: one character, so the cut keeps as much text as possible. */
export const TRUNCATION_MARKER = '…';

// Inside a Discord code span a backslash escapes nothing, so a backtick cannot be escaped: it is replaced by a
// look-alike that is not markdown (U+02CB MODIFIER LETTER GRAVE ACCENT).
const BACKTICK_STAND_IN = '\u02cb';

const LABELS: Record<string, string> = { alarm: 'Alarm', metric: 'Metric', info: 'Info' };

/** Posts notifications to a Discord channel through its webhook. */
export class DiscordNotifier extends HttpNotifier {
  constructor(options: DiscordOptions) {
    super({ name: 'discord', urlOption: 'Discord webhook URL', url: options.webhookUrl, encode: encodeDiscordMessage }, options);
  }
}

function encodeDiscordMessage(n: Notification): string {
  // No mentions are parsed: an "@everyone" in a message or a field (a user agent, say) must not ping the channel.
  return JSON.stringify({ content: formatDiscordContent(n), allowed_mentions: { parse: [] } });
}

/**
 * The message text for `n`: `[Alarm] from *source*:\n> message\n`, then, when some field has a value,
 * `\n**Fields**:\n` and one `> key: \`value\`\n` line per field in key order. At most DISCORD_CONTENT_LIMIT
 * UTF-16 code units, ending with TRUNCATION_MARKER when cut.
 */
export function formatDiscordContent(n: Notification): string {
  let text = `[${Object.hasOwn(LABELS, n.type) ? LABELS[n.type] : 'Unknown'}] from *${n.source}*:\n> ${n.message}\n`;
  let lines = '';
  const fields = n.fields ?? {};
  // Default sort compares UTF-16 code units: the same order on every machine, whatever the locale.
  for (const key of Object.keys(fields).sort()) {
    const value = fields[key];
    if (key === '' || value === null || value === undefined || value === '') continue;
    lines += `> ${inline(key)}: \`${inline(printValue(value))}\`\n`;
  }
  if (lines !== '') text += '\n**Fields**:\n' + lines;
  // A lone surrogate (from a caller's broken string) would make the JSON body invalid UTF-8 for Discord.
  return truncate(text.toWellFormed(), DISCORD_CONTENT_LIMIT);
}

/** One line of code-span-safe text: backticks swapped for a look-alike, line breaks shown as `\n` / `\r`. */
function inline(text: string): string {
  return text.replaceAll('`', BACKTICK_STAND_IN).replaceAll('\r', '\\r').replaceAll('\n', '\\n');
}

function printValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Error) return value.message;
  if (typeof value === 'object') {
    try {
      const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      if (json !== undefined) return json;
    } catch { /* a cycle: fall back to String */ }
  }
  try {
    return String(value);
  } catch {
    return '[unprintable]'; // an object without a prototype has no toString
  }
}

/**
 * Cuts `text` to at most `limit` UTF-16 code units, marker included. Code units, not code points: Discord counts
 * characters, and a text within the limit in code units is within it in code points too, whichever Discord uses.
 */
function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = limit - TRUNCATION_MARKER.length;
  // Never keep the first half of a surrogate pair without its second: it is not a character.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + TRUNCATION_MARKER;
}
