import { listSchemaKeys } from './config-schema.ts';
import { ENV_SETTINGS } from './env-overrides.ts';

/**
 * Every setting as a Markdown table (key, environment variable, default, description), rendered
 * from config/sluice.schema.json. A test checks docs/configuration.md holds exactly this table.
 */
export function configMarkdownTable(): string {
  const lines = ['| key | environment variable | default | description |', '|---|---|---|---|'];
  const keys = new Map(listSchemaKeys().map((key) => [key.path.join('.'), key]));
  for (const setting of ENV_SETTINGS) {
    const info = keys.get(setting.path.join('.'));
    const names = [setting.name, ...setting.aliases].map((name) => `\`${name}\``).join(', ');
    const description = (info?.schema.description ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ');
    lines.push(
      `| \`${setting.path.join('.')}\` | ${names} | \`${JSON.stringify(info?.schema.default)}\` | ${description} |`,
    );
  }
  return lines.join('\n');
}
