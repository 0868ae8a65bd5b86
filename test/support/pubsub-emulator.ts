import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, realpathSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../../functions/core/errors.ts';
import { freePort } from './free-port.ts';
import { delay, waitFor } from './wait-for.ts';

/**
 * The Google Cloud Pub/Sub emulator (the Java fake that the Cloud CLI ships), run for tests.
 *
 * Where it comes from, first found wins:
 * 1. an emulator already running at PUBSUB_EMULATOR_HOST (then stop()/restart() are refused:
 *    the tests did not start it, so they must not kill it);
 * 2. the Cloud CLI's `pubsub-emulator` component jar, run directly with `java -jar` (what
 *    `gcloud beta emulators pubsub start` does, minus a Python start-up of ~1 s);
 * 3. the copy in ../shared/pubsub-emulator/ beside the repository, for machines without the CLI.
 *
 * The emulator keeps everything in memory: a restart forgets topics, subscriptions and messages.
 * Resource ids must be 3-255 characters ("Invalid [topics] name" otherwise).
 */
export interface PubsubEmulator {
  /** `127.0.0.1:<port>`, for `PUBSUB_EMULATOR_HOST` or the sink's emulatorHost. */
  readonly host: string;
  /** The project the helpers below use; the emulator accepts any project id. */
  readonly projectId: string;
  /** The java process id; undefined for an emulator found at PUBSUB_EMULATOR_HOST. */
  readonly pid: number | undefined;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and waits until it has exited. */
  stop(): Promise<void>;
  /** Stops and starts again on the same port: same host, empty state, new pid. */
  restart(): Promise<void>;
}

export interface Availability {
  readonly available: boolean;
  /** What will be used, or why nothing can be (and what to install). */
  readonly reason: string;
}

/** The project id the helpers use unless told otherwise. */
export const EMULATOR_PROJECT_ID = 'sluice-test';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
/** How much of the emulator's output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 4_000;

const SHARED_JAR_DIR = fileURLToPath(new URL('../../../shared/pubsub-emulator/', import.meta.url));
const WELL_KNOWN_SDK_ROOTS = [
  '/usr/lib/google-cloud-sdk',
  '/usr/share/google-cloud-sdk',
  '/opt/google-cloud-sdk',
  '/snap/google-cloud-cli/current',
  join(homedir(), 'google-cloud-sdk'),
];
const INSTALL_HINT =
  'install Java 11+ and either the Cloud CLI component (`gcloud components install pubsub-emulator`, or apt ' +
  'package google-cloud-cli-pubsub-emulator) or put cloud-pubsub-emulator-*.jar into ' +
  `${SHARED_JAR_DIR}; or set PUBSUB_EMULATOR_HOST to a running emulator`;

type Source =
  | { readonly kind: 'external'; readonly host: string }
  | { readonly kind: 'jar'; readonly jar: string; readonly java: string };

export interface Discovery extends Availability {
  readonly source: Source | undefined;
}

/** Where to look; the defaults are this machine's. Tests pass their own to check the fallbacks. */
export interface DiscoveryPlaces {
  readonly env?: NodeJS.ProcessEnv;
  /** Cloud SDK roots to try before asking `gcloud info`. */
  readonly sdkRoots?: readonly string[];
  /** The directory holding the fallback jar (../shared/pubsub-emulator/). */
  readonly sharedJarDir?: string;
}

let cached: Discovery | undefined;

/** Finds an emulator without starting it (cached: the Cloud CLI lookup can take a second). */
export function emulatorAvailable(): Availability {
  cached ??= discoverEmulator();
  return { available: cached.available, reason: cached.reason };
}

/**
 * For a test that needs the emulator: true when there is one. Otherwise the test is skipped with
 * the reason (return from it when this is false) — except on CI (CI=true), where a missing
 * emulator must not turn into a quietly green build: then it throws, failing the test.
 */
export function requireEmulator(
  t: Pick<TestContext, 'skip'>,
  availability: Availability = emulatorAvailable(),
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (availability.available) return true;
  if (isCi(env)) throw new Error(ciMessage(availability, env));
  t.skip(availability.reason);
  return false;
}

/**
 * The same decision for a whole suite, `describe(name, { skip: emulatorSkipReason() }, ...)`:
 * false when available, the reason to skip otherwise. On CI it is always false: the suite runs,
 * and startPubsubEmulator() in its `before` hook fails with what to install. (Throwing here
 * instead would fail the file while it loads, which node:test reports confusingly.)
 */
export function emulatorSkipReason(
  availability: Availability = emulatorAvailable(),
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  if (availability.available || isCi(env)) return false;
  return availability.reason;
}

function ciMessage(availability: Availability, env: NodeJS.ProcessEnv): string {
  return `the Pub/Sub emulator is required on CI (CI=${env.CI}), but ${availability.reason}`;
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}

export function discoverEmulator(places: DiscoveryPlaces = {}): Discovery {
  const { env = process.env, sdkRoots = WELL_KNOWN_SDK_ROOTS, sharedJarDir = SHARED_JAR_DIR } = places;
  const external = env.PUBSUB_EMULATOR_HOST?.trim();
  if (external) {
    return {
      available: true,
      source: { kind: 'external', host: external },
      reason: `using the emulator at PUBSUB_EMULATOR_HOST=${external}`,
    };
  }
  const java = findJava(env);
  if (java === undefined)
    return {
      available: false,
      source: undefined,
      reason: `no java executable on PATH or in JAVA_HOME: ${INSTALL_HINT}`,
    };
  const jar = findCloudCliJar(env, sdkRoots) ?? findJar(sharedJarDir);
  if (jar === undefined)
    return { available: false, source: undefined, reason: `no Pub/Sub emulator jar found: ${INSTALL_HINT}` };
  return { available: true, source: { kind: 'jar', jar, java }, reason: `using ${jar}` };
}

function findJava(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.JAVA_HOME ? [join(env.JAVA_HOME, 'bin')] : []), ...pathDirs(env)];
  return dirs.map((dir) => join(dir, 'java')).find(isExecutable);
}

function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Cloud CLI keeps the component at <sdk root>/platform/pubsub-emulator/lib/. The root is
 * derived from the gcloud executable (bin/gcloud is usually a link into the SDK) or taken from
 * the usual install places; only when those miss is `gcloud info` asked, which takes ~1 s.
 */
function findCloudCliJar(env: NodeJS.ProcessEnv, sdkRoots: readonly string[]): string | undefined {
  const gcloud = pathDirs(env)
    .map((dir) => join(dir, 'gcloud'))
    .find(isExecutable);
  const roots = [...(gcloud ? [dirname(dirname(realpathSync(gcloud)))] : []), ...sdkRoots];
  for (const root of roots) {
    const jar = findJar(join(root, 'platform', 'pubsub-emulator', 'lib'));
    if (jar !== undefined) return jar;
  }
  if (gcloud === undefined) return undefined;
  try {
    const root = execFileSync(gcloud, ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      env,
      timeout: 15_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return root === '' ? undefined : findJar(join(root, 'platform', 'pubsub-emulator', 'lib'));
  } catch {
    return undefined;
  }
}

function findJar(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const jars = readdirSync(dir)
    .filter((name) => /^cloud-pubsub-emulator-.*\.jar$/.test(name))
    .sort();
  const newest = jars.at(-1);
  return newest === undefined ? undefined : join(dir, newest);
}

/** Emulators started by this process, killed when it exits however the tests end. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of running) {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    running.clear();
  };
  // 'exit' handlers must be synchronous: kill, do not wait.
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      // Only ours was listening: let the signal do what it would have done without us.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/**
 * Starts an emulator (or attaches to the one at PUBSUB_EMULATOR_HOST) and waits until it answers.
 * Throws when none is available: call requireEmulator / emulatorSkipReason first.
 * `discovery` starts what a {@link discoverEmulator} call with other places found (to test the
 * fallback jar on a machine that also has the Cloud CLI).
 */
export async function startPubsubEmulator(
  options: { projectId?: string; discovery?: Discovery } = {},
): Promise<PubsubEmulator> {
  const projectId = options.projectId ?? EMULATOR_PROJECT_ID;
  const discovery = options.discovery ?? (cached ??= discoverEmulator());
  const { source } = discovery;
  if (source === undefined) {
    throw new Error(
      isCi(process.env) ? ciMessage(discovery, process.env) : `cannot start the Pub/Sub emulator: ${discovery.reason}`,
    );
  }

  if (source.kind === 'external') {
    await waitUntilReady(source.host, undefined);
    const refuse = (what: string) => async () => {
      throw new Error(
        `cannot ${what} the Pub/Sub emulator at PUBSUB_EMULATOR_HOST=${source.host}: this process did not start it; unset PUBSUB_EMULATOR_HOST to let the tests start their own`,
      );
    };
    return { host: source.host, projectId, pid: undefined, stop: refuse('stop'), restart: refuse('restart') };
  }

  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined = await launch(source, port);
  const stop = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (current !== undefined) await terminate(current);
  };
  return {
    host,
    projectId,
    get pid() {
      return child?.pid;
    },
    stop,
    async restart() {
      await stop();
      child = await launch(source, port);
    },
  };
}

async function launch(source: Extract<Source, { kind: 'jar' }>, port: number): Promise<ChildProcess> {
  installExitHook();
  const started = Date.now();
  const child = spawn(source.java, ['-jar', source.jar, '--host=127.0.0.1', `--port=${port}`], {
    // Its own process group: a Ctrl-C in the terminal goes to the test processes only, and the
    // exit hook kills the emulator, rather than the JVM dying at the same time as the tests
    // that may still be talking to it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A test that forgets stop() must not keep the test process alive: the exit hook kills it.
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {});
  child.once('exit', () => running.delete(child));

  try {
    await Promise.race([waitUntilReady(`127.0.0.1:${port}`, child), spawnError]);
  } catch (error) {
    await terminate(child);
    const tail = output.trim() === '' ? '(no output)' : output.trim();
    throw new Error(
      `the Pub/Sub emulator (${source.jar}) did not become ready on 127.0.0.1:${port} after ${Date.now() - started} ms: ` +
        `${messageOf(error)}\n--- emulator output (tail) ---\n${tail}`,
      { cause: error },
    );
  }
  return child;
}

/** Polls `GET http://host/` until 200, the process exits, or READY_TIMEOUT_MS pass. */
async function waitUntilReady(host: string, child: ChildProcess | undefined): Promise<void> {
  let last = 'no answer yet';
  const answered = async (): Promise<boolean> => {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`the process exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const { status } = await httpCall('GET', `http://${host}/`, undefined, 1_000);
      last = `HTTP ${status}`;
      return status === 200;
    } catch (error) {
      last = messageOf(error);
      return false;
    }
  };
  try {
    await waitFor(answered, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, what: `HTTP 200 from http://${host}/` });
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('timed out'))
      throw new Error(`${error.message} (last: ${last})`, { cause: error });
    throw error;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(killer);
    running.delete(child);
  }
}

// ---- REST helpers (the emulator serves the Pub/Sub REST API next to gRPC on the same port) ----

type EmulatorRef = Pick<PubsubEmulator, 'host' | 'projectId'>;

export interface PulledMessage {
  readonly data: Buffer;
  readonly attributes: Record<string, string>;
  readonly messageId: string;
  readonly publishTime: string;
}

/** Creates a topic; one that exists already is fine (so it can follow a restart or a retry). */
export async function createTopic(emulator: EmulatorRef, topicId: string): Promise<void> {
  await rest(emulator, 'PUT', `topics/${topicId}`, {}, [409]);
}

/** Settings of a subscription beyond its topic (the replay subscription retains acknowledged messages). */
export interface SubscriptionSettings {
  readonly ackDeadlineSeconds?: number;
  /** Forward a message to this topic after maxDeliveryAttempts (5-100) deliveries, as Pub/Sub does. */
  readonly deadLetterPolicy?: { readonly deadLetterTopic: string; readonly maxDeliveryAttempts: number };
  readonly retainAckedMessages?: boolean;
  /** e.g. `604800s` (7 days, as the stack sets for the replay subscription). */
  readonly messageRetentionDuration?: string;
}

/** Creates a pull subscription on a topic; one that exists already is fine. */
export async function createSubscription(
  emulator: EmulatorRef,
  subscriptionId: string,
  topicId: string,
  settings: SubscriptionSettings = {},
): Promise<void> {
  const { deadLetterPolicy, ...others } = settings;
  const body = {
    topic: `projects/${emulator.projectId}/topics/${topicId}`,
    ackDeadlineSeconds: 60,
    ...others,
    ...(deadLetterPolicy
      ? {
          deadLetterPolicy: {
            deadLetterTopic: `projects/${emulator.projectId}/topics/${deadLetterPolicy.deadLetterTopic}`,
            maxDeliveryAttempts: deadLetterPolicy.maxDeliveryAttempts,
          },
        }
      : {}),
  };
  await rest(emulator, 'PUT', `subscriptions/${subscriptionId}`, body, [409]);
}

/** Creates each topic with one pull subscription named `<topic>-sub`, which tests pull from; existing ones are fine. */
export async function createTopicsWithSubscriptions(emulator: EmulatorRef, topicIds: readonly string[]): Promise<void> {
  for (const topicId of topicIds) {
    await createTopic(emulator, topicId);
    await createSubscription(emulator, `${topicId}-sub`, topicId);
  }
}

/** Creates a snapshot of a subscription's acknowledgement state (what `--snapshot` seeks to). */
export async function createSnapshot(emulator: EmulatorRef, snapshotId: string, subscriptionId: string): Promise<void> {
  await rest(emulator, 'PUT', `snapshots/${snapshotId}`, {
    subscription: `projects/${emulator.projectId}/subscriptions/${subscriptionId}`,
  });
}

/** Publishes messages as they are (data bytes and attributes); returns their message ids. */
export async function publishMessages(
  emulator: EmulatorRef,
  topicId: string,
  messages: ReadonlyArray<{ readonly data: Uint8Array; readonly attributes: Readonly<Record<string, string>> }>,
): Promise<string[]> {
  const answer = (await rest(emulator, 'POST', `topics/${topicId}:publish`, {
    messages: messages.map((message) => ({
      data: Buffer.from(message.data).toString('base64'),
      attributes: message.attributes,
    })),
  })) as { messageIds?: string[] };
  return answer.messageIds ?? [];
}

/**
 * Refuses (nacks) every message a subscription with a dead-letter policy delivers until it
 * delivers nothing more, so that the emulator forwards each to the dead-letter topic, as Pub/Sub
 * does with what a BigQuery subscription cannot write. Returns how many deliveries were refused.
 */
export async function refuseUntilDeadLettered(
  emulator: EmulatorRef,
  subscriptionId: string,
  options: { readonly quietMs?: number; readonly timeoutMs?: number } = {},
): Promise<number> {
  const { quietMs = 500, timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let refused = 0;
  let lastDelivery = Date.now();
  while (Date.now() < deadline) {
    const answer = (await rest(emulator, 'POST', `subscriptions/${subscriptionId}:pull`, {
      maxMessages: 1000,
      returnImmediately: true,
    })) as { receivedMessages?: Array<{ ackId: string }> };
    const received = answer.receivedMessages ?? [];
    if (received.length > 0) {
      await rest(emulator, 'POST', `subscriptions/${subscriptionId}:modifyAckDeadline`, {
        ackIds: received.map((r) => r.ackId),
        ackDeadlineSeconds: 0,
      });
      refused += received.length;
      lastDelivery = Date.now();
      continue;
    }
    if (Date.now() - lastDelivery >= quietMs) return refused;
    await delay(50);
  }
  throw new Error(`${subscriptionId} still delivered messages after ${timeoutMs} ms`);
}

export interface PullOptions {
  /** Keep pulling until at least this many arrived (then still wait quietMs for extras). */
  readonly expected?: number;
  /** Stop once nothing arrived for this long. Default 300 ms. */
  readonly quietMs?: number;
  /** Stop at the latest after this long, returning what arrived. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Pulls and acknowledges everything a subscription delivers until it goes quiet (and, with
 * `expected`, until that many arrived), bounded by timeoutMs. Callers assert on the count: the
 * helper returns what it got instead of throwing, so a test failure shows the difference.
 */
export async function pullAll(
  emulator: EmulatorRef,
  subscriptionId: string,
  options: PullOptions = {},
): Promise<PulledMessage[]> {
  const { expected = 0, quietMs = 300, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  const messages: PulledMessage[] = [];
  let lastArrival = Date.now();
  while (Date.now() < deadline) {
    const received = await pullOnce(emulator, subscriptionId);
    if (received.length > 0) {
      messages.push(...received);
      lastArrival = Date.now();
      continue;
    }
    if (messages.length >= expected && Date.now() - lastArrival >= quietMs) break;
    await delay(50);
  }
  return messages;
}

/**
 * One pull that returns at once, with what is there now (up to 1000), acknowledged. For a test
 * that must act on the first message to arrive, where pullAll would keep pulling while more come.
 */
export async function pullOnce(emulator: EmulatorRef, subscriptionId: string): Promise<PulledMessage[]> {
  const answer = (await rest(emulator, 'POST', `subscriptions/${subscriptionId}:pull`, {
    maxMessages: 1000,
    returnImmediately: true,
  })) as {
    receivedMessages?: Array<{
      ackId: string;
      message: { data?: string; attributes?: Record<string, string>; messageId: string; publishTime: string };
    }>;
  };
  const received = answer.receivedMessages ?? [];
  if (received.length === 0) return [];
  await rest(emulator, 'POST', `subscriptions/${subscriptionId}:acknowledge`, {
    ackIds: received.map((r) => r.ackId),
  });
  return received.map(({ message }) => ({
    data: Buffer.from(message.data ?? '', 'base64'),
    attributes: message.attributes ?? {},
    messageId: message.messageId,
    publishTime: message.publishTime,
  }));
}

async function rest(
  emulator: EmulatorRef,
  method: string,
  resource: string,
  body: object,
  okStatuses: readonly number[] = [],
): Promise<unknown> {
  const url = `http://${emulator.host}/v1/projects/${emulator.projectId}/${resource}`;
  const { status, text } = await httpCall(method, url, JSON.stringify(body), 10_000);
  if (status === 200) return text === '' ? {} : JSON.parse(text);
  if (okStatuses.includes(status)) return {};
  throw new Error(`Pub/Sub emulator ${method} ${url} answered HTTP ${status}: ${text.slice(0, 500)}`);
}

/** One HTTP exchange on a fresh connection: no keep-alive socket outlives a stopped emulator. */
function httpCall(
  method: string,
  url: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
