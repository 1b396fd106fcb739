// Generic JSON webhook notifier: posts each notification as one JSON object to a URL of the operator's choosing
// (with optional headers such as Authorization), using the shared HTTP delivery.
import { HttpNotifier, type HttpNotifierOptions } from './http-notifier.ts';
import type { Notification } from './notifier.ts';

export interface WebhookOptions extends HttpNotifierOptions {
  /** Where to POST; a secret when it carries a token, never logged. */
  url: string;
  /** Extra request headers (e.g. `Authorization: Bearer …`); `content-type` is `application/json` unless set here. */
  headers?: Record<string, string>;
}

/** Posts notifications as JSON `{type, source, message, fields, time}` to a webhook. */
export class WebhookNotifier extends HttpNotifier {
  constructor(options: WebhookOptions) {
    super({ name: 'webhook', urlOption: 'Webhook URL', url: options.url, headers: options.headers, encode: (n) => webhookBody(n) }, options);
  }
}

/**
 * The JSON body for `n`: `fields` is `{}` when absent, `time` (when send was called) is ISO 8601 UTC with
 * milliseconds. BigInts become strings and Errors their message, since JSON has neither; a cycle throws.
 */
export function webhookBody(n: Notification, time: Date = new Date()): string {
  const payload = { type: n.type, source: n.source, message: n.message, fields: n.fields ?? {}, time: time.toISOString() };
  return JSON.stringify(payload, (_key, value: unknown) => {
    if (typeof value === 'bigint') return String(value);
    if (value instanceof Error) return value.message;
    return value;
  });
}
