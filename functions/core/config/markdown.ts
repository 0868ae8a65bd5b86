import { listSchemaKeys } from './config-schema.ts';
import { ENV_SETTINGS } from './env-overrides.ts';

/**
 * Every setting as a Markdown table (key, environment variable, default, description), rendered
 * from config/sluice.schema.json. A test checks the README holds exactly this table.
 */
export function configMarkdownTable(): string {
  const lines = ['| key | environment variable | default | description |', '|---|---|---|---|'];
  for (const setting of ENV_SETTINGS) {
    const info = listSchemaKeys().find((key) => key.path.join('.') === setting.path.join('.'));
    const names = [setting.name, ...setting.aliases].map((name) => `\`${name}\``).join(', ');
    const description = (info?.schema.description ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ');
    lines.push(`| \`${setting.path.join('.')}\` | ${names} | \`${JSON.stringify(info?.schema.default)}\` | ${description} |`);
  }
  return lines.join('\n');
}
