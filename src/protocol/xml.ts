// Text for the carriers' XML answers (TeXML, cXML, Plivo XML), which have no builder among our
// dependencies: the five markup characters become entities, and characters XML 1.0 cannot carry at
// all (most control characters, U+FFFE, U+FFFF) are dropped rather than sent to break the document.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function allowedInXml(char: string): boolean {
  const code = char.charCodeAt(0);
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  return code !== 0xfffe && code !== 0xffff;
}

export function escapeXml(value: string): string {
  let out = '';
  for (const char of value) if (allowedInXml(char)) out += ENTITIES[char] ?? char;
  return out;
}
