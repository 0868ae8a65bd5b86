import { createHmac } from 'node:crypto';
import type { WebhookAuthConfig, WebhooksConfig } from '../../core/config/config.ts';
import { SluiceError } from '../../core/errors.ts';
import { tryParseSchemaKey } from '../../core/iglu/schema-key.ts';
import type { InboundRequest } from '../../core/protocols/protocol.ts';
import { schemaFromPath } from '../../core/protocols/schema-path.ts';
import { DEFAULT_WEBHOOK_SCHEMA, WEBHOOK_PREFIX } from '../../core/protocols/webhook.ts';
import { sameText } from './constant-time.ts';

/**
 * Authentication of named webhooks (`webhooks.auth`). A webhook is named by the vendor/name of the
 * schema in its path (`POST /webhook/com.github/push/jsonschema/1-0-0` is `com.github/push`;
 * plain `POST /webhook` is `dev.sluice/webhook`), so every version of one webhook shares its
 * setting. Two ways to prove a request comes from the sender, both compared in constant time:
 *
 * - `shared_secret`: the header holds `prefix + secret` (e.g. `Authorization: Bearer <secret>`);
 * - `hmac_sha256`: the header holds `prefix + HMAC-SHA256(secret, raw body)` in hex or base64, as
 *   GitHub (`X-Hub-Signature-256: sha256=<hex>`) and Shopify (`X-Shopify-Hmac-Sha256: <base64>`)
 *   sign their deliveries. The raw body is the bytes as received (after Content-Encoding is
 *   undone), before any parsing.
 *
 * Secrets come from environment variables (`secret_env`), never from the YAML, which is committed
 * and shipped with the function; Cloud Functions can fill them from Secret Manager. A variable
 * that is not set stops the collector at start-up, naming it, rather than leaving a webhook open.
 */
export type WebhookCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly schema?: string };

export interface WebhookAuthenticator {
  check(request: InboundRequest): WebhookCheck;
}

interface Rule {
  readonly name: string;
  readonly config: WebhookAuthConfig;
  readonly secret: Buffer;
}

export function createWebhookAuthenticator(
  config: WebhooksConfig,
  env: Readonly<Record<string, string | undefined>>,
): WebhookAuthenticator {
  const rules = new Map<string, Rule>();
  for (const [name, auth] of Object.entries(config.auth)) {
    const secret = env[auth.secret_env];
    if (secret === undefined || secret === '') {
      throw new SluiceError(
        'webhook_secret_missing',
        `webhooks.auth["${name}"].secret_env names the environment variable ${auth.secret_env}, which is not set: ` +
          `set ${auth.secret_env} to the webhook's secret (on Cloud Functions, from Secret Manager), or remove the entry`,
      );
    }
    rules.set(name, { name, config: auth, secret: Buffer.from(secret, 'utf8') });
  }

  return {
    check(request) {
      const { name, schema } = webhookName(request.path);
      const rule = name === undefined ? undefined : rules.get(name);
      if (rule === undefined) {
        if (!config.require_auth) return { ok: true };
        return refuse(
          `webhook ${name ?? JSON.stringify(request.path)} has no entry in webhooks.auth and webhooks.require_auth is on; add one`,
          schema,
        );
      }
      const header = rule.config.header.toLowerCase();
      const sent = request.headers[header];
      if (sent === undefined || sent === '')
        return refuse(`webhook ${rule.name}: header ${rule.config.header} is missing`, schema);
      const expected =
        rule.config.prefix +
        (rule.config.type === 'shared_secret' ? rule.secret.toString('utf8') : signature(rule, request.body));
      const matches =
        rule.config.type === 'hmac_sha256' && rule.config.encoding === 'hex'
          ? sameText(sent.toLowerCase(), expected.toLowerCase())
          : sameText(sent, expected);
      if (!matches) {
        const what = rule.config.type === 'shared_secret' ? 'the secret' : 'the HMAC-SHA256 signature of the body';
        return refuse(`webhook ${rule.name}: header ${rule.config.header} does not hold ${what}`, schema);
      }
      return { ok: true };
    },
  };
}

function refuse(reason: string, schema: string | undefined): WebhookCheck {
  return schema === undefined ? { ok: false, reason } : { ok: false, reason, schema };
}

function signature(rule: Rule, body: Buffer): string {
  return createHmac('sha256', rule.secret).update(body).digest(rule.config.encoding);
}

/**
 * The webhook a path names, read the way the webhook adapter reads it. A path the adapter would
 * refuse still gets a name from its first two segments, so a malformed variant of a protected
 * webhook's path is checked too.
 */
function webhookName(path: string): { name?: string | undefined; schema?: string } {
  if (path === WEBHOOK_PREFIX) return { name: nameOf(DEFAULT_WEBHOOK_SCHEMA), schema: DEFAULT_WEBHOOK_SCHEMA };
  const named = schemaFromPath(path, WEBHOOK_PREFIX);
  if (named.ok) {
    const name = nameOf(named.schema);
    if (name !== undefined) return { name, schema: named.schema };
  }
  const [vendor, name] = path.slice(WEBHOOK_PREFIX.length + 1).split('/');
  return vendor && name ? { name: `${vendor}/${name}` } : {};
}

function nameOf(uri: string): string | undefined {
  const key = tryParseSchemaKey(uri);
  return key === undefined ? undefined : `${key.vendor}/${key.name}`;
}
