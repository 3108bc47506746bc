// What went wrong, as text for a log line, an error reply or a caller: a thrown value need not be an Error.
// Depends on nothing, so the dashboard's browser modules use it too.
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
