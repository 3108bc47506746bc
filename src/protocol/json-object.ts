// The first step of reading any JSON control message off a socket: text to a plain object, or the
// reason it is not one.

export type JsonObjectResult = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

export function parseJsonObject(text: string): JsonObjectResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not a JSON object' };
  return { ok: true, value: raw as Record<string, unknown> };
}
