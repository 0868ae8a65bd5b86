/**
 * google.rpc.Code: the status names Google's APIs answer with (the `status` of a JSON error body,
 * the code of a gRPC error), their numbers, and the HTTP status each maps to. The REST Pub/Sub
 * client decides retries by these names, as the gRPC library does, so both transports retry the
 * same failures. Sources are cited in test/support/google-client-behaviour.ts.
 */

/** google.rpc.Code numbers by name (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto). */
export const RPC_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const satisfies Readonly<Record<string, number>>;

/** A google.rpc.Code status name. */
export type RpcStatusName = keyof typeof RPC_CODES;

/**
 * The status names on which the Pub/Sub library retries Publish: the `retry_codes` its generated
 * client reads from publisher_client_config.json (the test of this list reads that file from the
 * installed package, so a change in Google's settings fails it).
 */
export const PUBLISH_RETRY_CODES: readonly string[] = [
  'CANCELLED',
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'INTERNAL',
  'UNAVAILABLE',
];

/**
 * The status name for an HTTP status when the answer does not say one (a proxy's HTML page, an
 * empty body): google.rpc.Code's own HTTP mapping, read backwards. Where a status maps from
 * several names the most specific transient one is taken (500: INTERNAL, 409: ABORTED), so that a
 * bare 500 or 504 is retried like Google's own 500 or 504; an unlisted 4xx is a client error
 * (FAILED_PRECONDITION: final), an unlisted 5xx a server error (INTERNAL: retried).
 */
export function statusForHttp(httpStatus: number): RpcStatusName {
  switch (httpStatus) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 408:
      return 'DEADLINE_EXCEEDED';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      if (httpStatus >= 400 && httpStatus < 500) return 'FAILED_PRECONDITION';
      if (httpStatus >= 500 && httpStatus < 600) return 'INTERNAL';
      return 'UNKNOWN';
  }
}

/** The google.rpc.Code number of a status name; UNKNOWN (2) for a name Google does not define. */
export function rpcCode(status: string): number {
  return Object.hasOwn(RPC_CODES, status) ? RPC_CODES[status as RpcStatusName] : RPC_CODES.UNKNOWN;
}

/**
 * The google.rpc.Code a publish or pull failure carries, whichever client raised it: the gRPC
 * library's errors hold it as a numeric `code`, Sluice's REST client as `rpcCode` (its `code` is
 * Sluice's own string, like every SluiceError's). Undefined for anything else.
 */
export function rpcCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { rpcCode: rest, code } = error as { rpcCode?: unknown; code?: unknown };
  if (typeof rest === 'number') return rest;
  return typeof code === 'number' ? code : undefined;
}
