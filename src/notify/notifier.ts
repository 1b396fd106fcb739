// What the app uses to tell its operators something (an alarm, a metric, a note): the Notifier contract, the
// notifier that does nothing, and the factory that builds the configured targets from the settings.
import { DiscordNotifier } from './discord.ts';
import { MultiNotifier } from './multi.ts';
import { WebhookNotifier } from './webhook.ts';

export type NotificationType = 'alarm' | 'metric' | 'info';

export interface Notification {
  type: NotificationType;
  /** Who speaks: a subsystem or job name. */
  source: string;
  message: string;
  /** Details; null, undefined and empty-string values are left out by targets that format text. */
  fields?: Record<string, unknown>;
}

/** Counters since the notifier was built. Every `send` ends up in exactly one of them once delivery settles. */
export interface NotifierStats {
  /** Delivered: the target answered 2xx. */
  sent: number;
  /** Not attempted: rate limited, the target asked us to wait, or the notifier was closed. */
  dropped: number;
  /** Attempted and not delivered: error status, network error, timeout, unencodable, or abandoned at close. */
  failed: number;
}

export interface Notifier {
  /** Hands `n` over for delivery in the background; returns at once and never throws. */
  send(n: Notification): void;
  /** Refuses further sends and waits for deliveries in flight, abandoning them after `deadlineMs`. Never rejects. */
  close(deadlineMs?: number): Promise<void>;
  stats(): NotifierStats;
}

/** The part of a logger notifiers use (src/log/logger.ts's Logger fits), so tests can pass a recorder. */
export interface NotifyLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A notifier that does nothing and counts nothing: what runs when no target is configured. */
export class NullNotifier implements Notifier {
  send(_n: Notification): void {}
  close(_deadlineMs?: number): Promise<void> { return Promise.resolve(); }
  stats(): NotifierStats { return { sent: 0, dropped: 0, failed: 0 }; }
}

/** The notifier settings, as the config's `notify` section holds them. An empty URL turns that target off. */
export interface NotifierSettings {
  discord_webhook: string;
  webhook_url: string;
  /** Extra request headers for the generic webhook (e.g. Authorization). */
  webhook_headers?: Record<string, string>;
  /** Per target: milliseconds to earn one message, and messages that may go out back to back. */
  interval_ms: number;
  burst: number;
  timeout_ms: number;
}

/** The notifier the settings describe: none, one target, or both behind a MultiNotifier. Throws RangeError on bad settings. */
export function createNotifier(settings: NotifierSettings, log?: NotifyLog): Notifier {
  const shared = { intervalMs: settings.interval_ms, burst: settings.burst, timeoutMs: settings.timeout_ms, log };
  const targets: Notifier[] = [];
  // Each target gets its own rate limit: they are different services with their own limits.
  if (settings.discord_webhook !== '') targets.push(new DiscordNotifier({ ...shared, webhookUrl: settings.discord_webhook }));
  if (settings.webhook_url !== '') targets.push(new WebhookNotifier({ ...shared, url: settings.webhook_url, headers: settings.webhook_headers }));
  if (targets.length === 0) return new NullNotifier();
  return targets.length === 1 ? targets[0] : new MultiNotifier(targets, log);
}
