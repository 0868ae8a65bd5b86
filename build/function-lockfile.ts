/**
 * The bundle's package-lock.json: the part of the repository's own lockfile that the function's
 * runtime dependencies (the functions framework) install, so Cloud Build's `npm ci` installs
 * exactly the tree the tests ran with instead of resolving it afresh on every build. The Node.js
 * buildpack installs with `npm ci` when it finds a lockfile
 * (https://cloud.google.com/functions/docs/writing/specifying-dependencies-nodejs).
 *
 * Entries keep their paths: a package nested under another in the repository's tree stays
 * nested, so the subset resolves the way the whole did. Only packages a runtime dependency
 * reaches are kept, so no development tool is installed in the cloud.
 */
import { SluiceError } from '../functions/core/errors.ts';

/** One `packages` entry of a lockfile (lockfileVersion 2 or 3). */
export interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { optional?: boolean }>>;
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly optional?: boolean;
  readonly [key: string]: unknown;
}

export interface Lockfile {
  readonly name: string;
  readonly version: string;
  readonly lockfileVersion: number;
  readonly requires?: boolean;
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/** The path of the directory that contains the package at `path` ('' for the root). */
function parentOf(path: string): string {
  const index = path.lastIndexOf('/node_modules/');
  return index < 0 ? '' : path.slice(0, index);
}

/** Where Node finds `name` from the package at `from`: its own node_modules, then each ancestor's. */
function resolveFrom(packages: Lockfile['packages'], from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    base = parentOf(base);
  }
}

/**
 * A lockfile for a package named `name` at `version` that depends on `dependencies` (name ->
 * exact version), cut from `root`, the repository's package-lock.json.
 */
export function functionLockfile(
  root: Lockfile,
  name: string,
  version: string,
  dependencies: Readonly<Record<string, string>>,
): Lockfile {
  const packages: Record<string, LockEntry> = {
    '': { name, version, dependencies: { ...dependencies } },
  };
  const queue: Array<{ from: string; name: string; optional: boolean }> = Object.keys(dependencies).map((dep) => ({
    from: '',
    name: dep,
    optional: false,
  }));
  while (queue.length > 0) {
    const next = queue.shift() as (typeof queue)[number];
    const path = resolveFrom(root.packages, next.from, next.name);
    if (path === undefined) {
      if (next.optional) continue;
      throw new SluiceError(
        'function_lockfile',
        `package-lock.json has no ${next.name} reachable from ${next.from || 'the root'}: run npm install, then bundle again`,
      );
    }
    if (packages[path] !== undefined) continue;
    const { dev: _dev, devOptional, ...entry } = root.packages[path] as LockEntry;
    // In the function's tree nothing is a development dependency.
    packages[path] = devOptional === true ? { ...entry, optional: true } : entry;
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push({ from: path, name: dep, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {}))
      queue.push({ from: path, name: dep, optional: true });
    for (const dep of Object.keys(entry.peerDependencies ?? {}))
      queue.push({ from: path, name: dep, optional: optionalPeers[dep]?.optional === true });
  }
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { name, version, lockfileVersion: 3, requires: true, packages: sorted };
}
