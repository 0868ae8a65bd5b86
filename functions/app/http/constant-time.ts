import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of two texts of any length, for secrets a request presents (webhook
 * secrets and signatures, the purge token): both are hashed first, so the comparison takes the
 * same time whatever the lengths and wherever they first differ, and the secret's length stays
 * secret (timingSafeEqual itself needs equal lengths).
 */
export function sameText(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
