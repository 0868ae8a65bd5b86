/**
 * `npm run replay -- [options]` and the `sluice-replay` bin: re-validates invalid events and
 * delivers those that pass now. See `--help` (functions/app/replay/replay-options.ts).
 */
import { replayCommand } from './app/replay/replay-command.ts';

const controller = new AbortController();
// Ctrl-C: stop reading, let the events in flight finish (each is acknowledged only once
// published), hand back the rest; a second Ctrl-C stops at once, which loses nothing either.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await replayCommand(process.argv.slice(2), { signal: controller.signal });
