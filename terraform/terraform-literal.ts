/**
 * Text that must reach a resource exactly as written. Terraform reads every string in its JSON
 * syntax as a template: `${…}` is an interpolation and `%{…}` a directive, so a schema whose
 * description says "costs ${amount}" would fail the plan (or worse, interpolate). Doubling the
 * introducer (`$${`, `%%{`) is Terraform's escape for a literal one
 * (https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences-1).
 * cdktf passes strings through unescaped, so every string that comes from files or user config
 * goes through here; references the stack builds itself (tokens) must not.
 */
export function terraformLiteral(text: string): string {
  // Replacer functions: in a replacement string "$$" would itself mean one "$".
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}
