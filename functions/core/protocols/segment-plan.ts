import type { SegmentConfig } from '../config/config.ts';
import { SluiceError } from '../errors.ts';
import { tryParseSchemaKey } from '../iglu/schema-key.ts';

/** The six calls of Segment's spec. */
export const SEGMENT_CALL_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type SegmentCallType = (typeof SEGMENT_CALL_TYPES)[number];

/**
 * The built-in schema of each call type (shipped in `schemas/dev.sluice/`): any JSON object, so
 * that without a plan nothing is invalid for lack of a schema.
 */
export function builtInSegmentSchema(type: SegmentCallType): string {
  return `iglu:dev.sluice/segment_${type}/jsonschema/1-0-0`;
}

/**
 * The tracking plan (`segment.tracking_plan`): which Iglu schema validates each call. Track calls
 * are looked up by event name, the other types have one schema each; a call the plan does not name
 * gets its type's built-in schema, or none with `segment.require_plan` (the call is then invalid,
 * `schema_not_found`). Context entities named in the plan are validated like Snowplow contexts.
 */
export interface SegmentPlan {
  /** The schema of a call; `undefined` when the plan does not name it and require_plan is on. */
  schemaFor(type: SegmentCallType, event: string | undefined): string | undefined;
  /** Context keys the plan validates, with their schemas, in plan order. */
  readonly contextSchemas: ReadonlyArray<readonly [string, string]>;
  readonly requirePlan: boolean;
}

export class SegmentPlanError extends SluiceError {
  constructor(message: string) {
    super('segment_plan_invalid', message);
  }
}

export function createSegmentPlan(config: SegmentConfig): SegmentPlan {
  const plan = config.tracking_plan;
  // A Map, not the config object: event names come from senders, and "constructor" or
  // "__proto__" must not find Object.prototype's members.
  const track = new Map<string, string>();
  for (const [event, uri] of Object.entries(plan.track))
    track.set(event, checked(`track[${JSON.stringify(event)}]`, uri));
  const others = new Map<SegmentCallType, string>();
  for (const type of SEGMENT_CALL_TYPES) {
    if (type === 'track') continue;
    const uri = plan[type];
    if (uri !== '') others.set(type, checked(type, uri));
  }
  const contextSchemas = Object.entries(plan.context).map(
    ([key, uri]) => [key, checked(`context[${JSON.stringify(key)}]`, uri)] as const,
  );
  const requirePlan = config.require_plan;
  return {
    requirePlan,
    contextSchemas,
    schemaFor(type, event) {
      const planned = type === 'track' ? (event === undefined ? undefined : track.get(event)) : others.get(type);
      if (planned !== undefined) return planned;
      return requirePlan ? undefined : builtInSegmentSchema(type);
    },
  };
}

function checked(where: string, uri: string): string {
  if (tryParseSchemaKey(uri) === undefined) {
    throw new SegmentPlanError(
      `segment.tracking_plan.${where}: ${JSON.stringify(uri)} is not an Iglu URI; write iglu:<vendor>/<name>/jsonschema/<model>-<revision>-<addition>`,
    );
  }
  return uri;
}
