import packageJson from '../../package.json' with { type: 'json' };

/** Written to every row's `collector` column: which build of Sluice produced it. */
export const COLLECTOR = `sluice/${packageJson.version}`;
