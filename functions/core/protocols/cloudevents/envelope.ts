import type { Parsed } from '../json-body.ts';
import type { Rejection } from '../protocol.ts';

/** The media types of the JSON event format: one event (structured mode), and an array of them (batch mode). */
export const STRUCTURED_MEDIA_TYPE = 'application/cloudevents+json';
export const BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';

/** One event as received: its attributes (extensions included), its data, and the text it came in. */
export interface Envelope {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly data: Parsed<EventData>;
  readonly raw: string;
  /** JSONPath of the event in the body, for issues: `$` or `$[2]` in a batch. */
  readonly path: string;
}

export interface EventData {
  readonly value: unknown;
  /** Set when bytes that are not text are kept as base64. */
  readonly encoding?: 'base64';
}

export type EnvelopeOrRejection = Envelope | { readonly rejection: Rejection };

/** Keeps only the rejection of a failed parse, the shape readEnvelopes lists. */
export function failure(result: { readonly rejection: Rejection }): { readonly rejection: Rejection } {
  return { rejection: result.rejection };
}
