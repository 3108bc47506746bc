// Validation errors as people read them: one problem per line, each naming the field's path.
import type { z } from 'zod';

/** Explains a zod failure one problem per line, each naming the field path: `agent.think.provider.type: Required`. */
export function explainIssues(error: z.ZodError, root = ''): string {
  return flattenIssues(error.issues, [])
    .map(({ path, message }) => `${[root, ...path].filter(Boolean).join('.') || '(root)'}: ${message}`)
    .join('\n');
}

type Issue = z.core.$ZodIssue;

/**
 * A union such as `think` (one provider or a list of them) fails as "Invalid input"; the useful
 * explanation is inside the alternative that got furthest, so report that one's issues instead.
 */
function flattenIssues(issues: readonly Issue[], prefix: string[]): Array<{ path: string[]; message: string }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      if (best.length > 0) return flattenIssues(best, path);
    }
    return [{ path, message: issue.message }];
  });
}

function depth(issues: readonly Issue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}
