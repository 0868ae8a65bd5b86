/**
 * Whether `value`, written as JSON, would take more than `maxBytes` bytes: an estimate that counts
 * every string's characters (so never more than its UTF-8 bytes and escapes) and every number,
 * literal, bracket, colon and comma, and stops as soon as the bound is passed. Its cost is therefore bounded by `maxBytes` whatever the value
 * holds, which is what makes it safe to run on a hostile event before deciding to validate it again.
 */
export function exceedsJsonSize(value: unknown, maxBytes: number): boolean {
  let budget = maxBytes;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') budget -= item.length + 2;
    else if (Array.isArray(item)) {
      budget -= item.length + 1;
      if (budget < 0) return true;
      for (const element of item) stack.push(element);
    } else if (typeof item === 'object' && item !== null) {
      // Own enumerable keys only, as JSON.stringify writes them.
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        budget -= key.length + 4;
        if (budget < 0) return true;
        stack.push((item as Record<string, unknown>)[key]);
      }
      // The braces, less the comma the last member does not have.
      budget -= 1;
    } else budget -= item === null || item === undefined ? 4 : String(item).length;
    if (budget < 0) return true;
  }
  return false;
}
