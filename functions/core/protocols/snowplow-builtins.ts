import type { JsonValue } from '../contract/rows.ts';

/**
 * The Snowplow tracker protocol's built-in event types (every `e` except `ue`), each given an
 * Iglu schema shipped in `schemas/dev.sluice/` so that it is validated and stored like any
 * self-describing event. The data keeps only the event's own parameters (`pp_*`, `se_*`, `tr_*`,
 * `ti_*`) under readable names; the page and user parameters go to columns.
 *
 * Numbers arrive as strings (the payload_data schema makes every value a string) and are
 * converted here; a value that is not a number is kept as the string, so that validation rejects
 * the event with the exact path (`$.total`) instead of the value vanishing.
 */
export interface BuiltInEvent {
  readonly eventName: string;
  readonly schema: string;
  /** Builds the data from the parameters, reading them through `take` so they leave `source`. */
  readonly data: (take: (name: string) => string | undefined) => Record<string, JsonValue>;
}

export const PAGE_VIEW_SCHEMA = 'iglu:dev.sluice/page_view/jsonschema/1-0-0';
export const PAGE_PING_SCHEMA = 'iglu:dev.sluice/page_ping/jsonschema/1-0-0';
export const STRUCT_SCHEMA = 'iglu:dev.sluice/struct/jsonschema/1-0-0';
export const TRANSACTION_SCHEMA = 'iglu:dev.sluice/transaction/jsonschema/1-0-0';
export const TRANSACTION_ITEM_SCHEMA = 'iglu:dev.sluice/transaction_item/jsonschema/1-0-0';

/** Built-in events by their `e` code. */
export const BUILT_IN_EVENTS: ReadonlyMap<string, BuiltInEvent> = new Map<string, BuiltInEvent>([
  // Everything a page view says (url, page, refr) has a column: its data is empty.
  ['pv', { eventName: 'page_view', schema: PAGE_VIEW_SCHEMA, data: () => ({}) }],
  [
    'pp',
    {
      eventName: 'page_ping',
      schema: PAGE_PING_SCHEMA,
      data: (take) =>
        compact({
          min_x: numeric(take('pp_mix')),
          max_x: numeric(take('pp_max')),
          min_y: numeric(take('pp_miy')),
          max_y: numeric(take('pp_may')),
        }),
    },
  ],
  [
    'se',
    {
      eventName: 'struct',
      schema: STRUCT_SCHEMA,
      data: (take) =>
        compact({
          category: take('se_ca'),
          action: take('se_ac'),
          label: take('se_la'),
          property: take('se_pr'),
          value: numeric(take('se_va')),
        }),
    },
  ],
  [
    'tr',
    {
      eventName: 'transaction',
      schema: TRANSACTION_SCHEMA,
      data: (take) =>
        compact({
          order_id: take('tr_id'),
          affiliation: take('tr_af'),
          total: numeric(take('tr_tt')),
          tax: numeric(take('tr_tx')),
          shipping: numeric(take('tr_sh')),
          city: take('tr_ci'),
          state: take('tr_st'),
          country: take('tr_co'),
          currency: take('tr_cu'),
        }),
    },
  ],
  [
    'ti',
    {
      eventName: 'transaction_item',
      schema: TRANSACTION_ITEM_SCHEMA,
      data: (take) =>
        compact({
          order_id: take('ti_id'),
          sku: take('ti_sk'),
          // ti_na is the name parameter of old trackers; payload_data still lists both.
          name: take('ti_nm') ?? take('ti_na'),
          category: take('ti_ca'),
          price: numeric(take('ti_pr')),
          quantity: numeric(take('ti_qu')),
          currency: take('ti_cu'),
        }),
    },
  ],
]);

/** A JSON number literal, as trackers write numbers (no hex, no `Infinity`, no blanks). */
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a parameter holds, or the parameter unchanged when it is not one. */
export function numeric(text: string | undefined): number | string | undefined {
  if (text === undefined || !NUMBER.test(text)) return text;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

function compact(entries: Record<string, JsonValue | undefined>): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.entries(entries).filter((entry): entry is [string, JsonValue] => entry[1] !== undefined),
  );
}
