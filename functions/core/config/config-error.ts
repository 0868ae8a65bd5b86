import { SluiceError } from '../errors.ts';

/** One thing wrong with the configuration, described so that a person can fix it. */
export interface ConfigProblem {
  /** Where the bad input came from: `config/sluice.yaml`, `config/sluice.yaml:12:3`, `env SLUICE_SINK`. */
  readonly source: string;
  /** Dotted key path (`cache.ttl_seconds`, `registries[0]`); empty when the problem has no key. */
  readonly path: string;
  /** The offending value; absent when there is none to show (an unknown variable, a YAML syntax error). */
  readonly value?: unknown;
  /** What was expected or what is wrong: `expected an integer >= 1`, `unknown key "sinkk" (did you mean "sink"?)`. */
  readonly message: string;
}

/** The configuration cannot be used. The message lists every problem, one per line. */
export class ConfigError extends SluiceError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      'invalid_config',
      `invalid Sluice configuration, ${count}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
      options,
    );
    this.problems = problems;
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const parts = [problem.source];
  if (problem.path !== '') parts.push(problem.path);
  const detail = 'value' in problem ? `got ${formatValue(problem.value)}, ${problem.message}` : problem.message;
  return `${parts.join(': ')}: ${detail}`;
}

/** Longest rendering of a bad value in a message; a pasted blob must not bury the other problems. */
const MAX_VALUE_CHARS = 80;

function formatValue(value: unknown): string {
  const json = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return json.length <= MAX_VALUE_CHARS ? json : `${json.slice(0, MAX_VALUE_CHARS - 1)}…`;
}
