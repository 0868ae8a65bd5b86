import type { ErrorObject } from 'ajv';
// The SDK's own compiled CloudEvents 1.0 JSON Schema, the check its CloudEvent#validate() runs
// (cloudevents/dist/event/spec.js), imported alone: the SDK's index also loads its HTTP, Kafka and
// MQTT transports and json-bigint with bignumber.js, about 140 KB of code that every cold start
// would pay for (`cloudevents-sdk` in docs/performance.md) and that nothing here uses.
import validateCloudEventV1 from 'cloudevents/dist/schema/v1.js';
import { truncate } from '../../text.ts';
import { jsonPathFromPointer, type ValidationIssue } from '../../validation/validation-issue.ts';

/** The only CloudEvents version Sluice reads. */
const SPEC_VERSION = '1.0';

/** The context attributes of CloudEvents 1.0; every other attribute is an extension. */
const CONTEXT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'source',
  'specversion',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
]);

/**
 * What makes the event break the CloudEvents spec; none when it conforms. `specversion` is checked here because the SDK checks nothing for a version
 * it does not know; the rest is the SDK's own check (the CloudEvents JSON Schema: required
 * attributes, their types, URI and timestamp formats; attribute names of a-z0-9), run on a plain
 * copy of the attributes so that none of its constructor's defaults apply. An unreadable `time`
 * is left out of the check: it does not cost the event its validity, only its event time.
 */
export function conformanceIssues(
  attributes: Readonly<Record<string, unknown>>,
  timeValid: boolean,
  path: string,
): ValidationIssue[] {
  const version = attributes.specversion;
  if (version !== SPEC_VERSION) {
    const message =
      version === undefined
        ? `the required attribute specversion is missing; set it to "${SPEC_VERSION}"`
        : `specversion ${truncate(JSON.stringify(version) ?? String(version), 40)} is not supported; Sluice accepts CloudEvents ${SPEC_VERSION} (specversion "${SPEC_VERSION}")`;
    return [{ schema: null, path: `${path}.specversion`, keyword: 'specversion', message }];
  }
  const checked = Object.fromEntries(Object.entries(attributes).filter(([name]) => name !== 'time' || timeValid));
  return [...sdkIssues(checked, path), ...extensionValueIssues(attributes, path)];
}

/** The SDK's attribute-name rule (spec.js), which it checks after the schema. */
const SDK_ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/**
 * What the SDK's CloudEvent#validate() reports for these attributes, as issues: its JSON Schema
 * check, then (only if that passes) the first attribute name that breaks its name rule.
 * test/core/protocols/cloudevents/conformance.sdk-parity.test.ts checks that this agrees with the SDK.
 */
export function sdkIssues(attributes: Readonly<Record<string, unknown>>, path: string): ValidationIssue[] {
  const validate = validateCloudEventV1 as unknown as { (data: unknown): boolean; errors?: ErrorObject[] | null };
  if (!validate(attributes)) return (validate.errors ?? []).map((detail) => issueFromSchemaError(detail, path));
  for (const name in attributes) {
    if (!SDK_ATTRIBUTE_NAME.test(name) && name !== 'data_base64') {
      return [
        {
          schema: null,
          path,
          keyword: 'cloudevents',
          message: `invalid attribute name: "${name}" (CloudEvents attribute names are lower-case letters a-z and digits 0-9)`,
        },
      ];
    }
  }
  return [];
}

function issueFromSchemaError(detail: ErrorObject, path: string): ValidationIssue {
  const pointer = detail.instancePath;
  const missing: unknown = detail.params.missingProperty;
  if (detail.keyword === 'required' && typeof missing === 'string') {
    return {
      schema: null,
      path: `${path}.${missing}`,
      keyword: 'required',
      message: `the required attribute ${missing} is missing`,
    };
  }
  const attribute = pointer.slice(1) || 'event';
  return {
    schema: null,
    path: path + jsonPathFromPointer(pointer).slice(1),
    keyword: detail.keyword,
    message: `attribute ${attribute} ${detail.message ?? 'is invalid'}`,
  };
}

/**
 * The SDK's type rule for extension values, which its constructor applies and its validate() does
 * not: numbers must be integers (the CloudEvents type system has no fractions).
 */
function extensionValueIssues(attributes: Readonly<Record<string, unknown>>, path: string): ValidationIssue[] {
  return Object.entries(attributes)
    .filter(([name, value]) => !CONTEXT_ATTRIBUTES.has(name) && typeof value === 'number' && !Number.isInteger(value))
    .map(([name, value]) => ({
      schema: null,
      path: `${path}.${name}`,
      keyword: 'type',
      message: `attribute ${name} is ${String(value)}, but CloudEvents numbers are integers; send it as a string or an integer`,
    }));
}
