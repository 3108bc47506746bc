// Server-sent events as chat-completions servers stream them: only `data:` fields matter, an event
// ends at a blank line, and lines may be split anywhere across network chunks (even inside a UTF-8
// character, hence the streaming decoder).

/** Yields the data of each event of an SSE byte stream, as it completes. */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  let data: string[] = [];
  const lines = function* (text: string, final: boolean): Generator<string> {
    pending += text;
    let newline: number;
    while ((newline = pending.search(/\r\n|\r|\n/)) !== -1) {
      // A lone '\r' at the end may be the first half of '\r\n': wait for the next chunk.
      if (!final && pending[newline] === '\r' && newline === pending.length - 1) break;
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + (pending.startsWith('\r\n', newline) ? 2 : 1));
      yield line;
    }
    if (final && pending) {
      yield pending;
      pending = '';
    }
  };
  const take = (line: string): string | undefined => {
    if (line === '') {
      const event = data.join('\n');
      const complete = data.length > 0;
      data = [];
      return complete ? event : undefined;
    }
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    return undefined;
  };
  for await (const chunk of body) {
    for (const line of lines(decoder.decode(chunk, { stream: true }), false)) {
      const event = take(line);
      if (event !== undefined) yield event;
    }
  }
  for (const line of lines(decoder.decode(), true)) {
    const event = take(line);
    if (event !== undefined) yield event;
  }
  // Some servers end the stream without the final blank line.
  const last = take('');
  if (last !== undefined) yield last;
}
