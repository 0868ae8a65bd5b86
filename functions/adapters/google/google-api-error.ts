/**
 * What a Google API's JSON error body says (`{"error":{"code","message","status"}}`, as both the
 * Pub/Sub REST API and Cloud Storage's JSON API answer); empty when the text is not that, e.g. a
 * proxy's HTML page.
 */
export function googleApiError(text: string): { readonly message?: string; readonly status?: string } {
  let error: { message?: unknown; status?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { message?: unknown; status?: unknown } } | null)?.error;
  } catch {
    return {};
  }
  return {
    ...(typeof error?.message === 'string' ? { message: error.message } : {}),
    ...(typeof error?.status === 'string' ? { status: error.status } : {}),
  };
}
