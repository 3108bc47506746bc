import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { ThinkSettings } from '../../../src/agent/settings.js';
import { ClinicDialog, createThinkProvider, OpenAiThinkProvider, resolveOpenAiOptions, ThinkRequestError } from '../../../src/engine/think/index.js';
import type { ChatMessage, ThinkEvent } from '../../../src/engine/types.js';
import { CLINIC_FUNCTIONS } from './conversation.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A chat-completions server on a random loopback port, for the length of one test. */
async function withServer(handler: Handler, run: (base: string) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await run(`http://127.0.0.1:${port}/v1`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

const sse = (value: unknown): string => `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`;
const delta = (d: Record<string, unknown>, finish: string | null = null): string => sse({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

function provider(base: string, extra: Partial<ConstructorParameters<typeof OpenAiThinkProvider>[0]> = {}): OpenAiThinkProvider {
  return new OpenAiThinkProvider({
    url: `${base}/chat/completions`,
    headers: { authorization: 'Bearer sk-test' },
    model: 'test-model',
    temperature: 0.3,
    ...extra,
  });
}

async function collect(events: AsyncIterable<ThinkEvent>): Promise<ThinkEvent[]> {
  const out: ThinkEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a clinic assistant.' },
  { role: 'user', content: 'what are your hours' },
  { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_office_info', arguments: '{"topic":"hours"}' }] },
  { role: 'tool', tool_call_id: 'call_1', name: 'get_office_info', content: '{"hours":"9 to 5"}' },
];

test('streams text deltas as they arrive and sends the conversation, tools and settings', async () => {
  let request: { headers: IncomingMessage['headers']; url?: string; body: Record<string, unknown> } | undefined;
  await withServer(
    (req, res, body) => {
      request = { headers: req.headers, url: req.url, body: JSON.parse(body) as Record<string, unknown> };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // One event split across writes, CRLF line ends, a comment line and an empty delta.
      res.write('data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"We are open"}');
      res.write(',"finish_reason":null}]}\r\n\r\n: keep-alive\n\n');
      res.write(delta({}));
      res.write(delta({ content: ' nine to five. ' }));
      res.write(delta({ content: 'Anything else?' }, 'stop'));
      res.end(sse('[DONE]'));
    },
    async (base) => {
      const events = await collect(provider(base).respond({ messages: MESSAGES, functions: CLINIC_FUNCTIONS, signal: new AbortController().signal }));
      assert.deepEqual(events, [
        { type: 'text', text: 'We are open' },
        { type: 'text', text: ' nine to five. ' },
        { type: 'text', text: 'Anything else?' },
      ]);
    },
  );
  assert.ok(request);
  assert.equal(request.url, '/v1/chat/completions');
  assert.equal(request.headers.authorization, 'Bearer sk-test');
  assert.equal(request.body.model, 'test-model');
  assert.equal(request.body.temperature, 0.3);
  assert.equal(request.body.stream, true);
  assert.deepEqual(request.body.messages, [
    { role: 'system', content: 'You are a clinic assistant.' },
    { role: 'user', content: 'what are your hours' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_office_info', arguments: '{"topic":"hours"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"hours":"9 to 5"}' },
  ]);
  const tools = request.body.tools as Array<{ type: string; function: { name: string; parameters: unknown } }>;
  assert.equal(tools.length, CLINIC_FUNCTIONS.length);
  assert.equal(tools[1]?.type, 'function');
  assert.equal(tools[1]?.function.name, 'book_appointment');
  assert.deepEqual(tools[1]?.function.parameters, CLINIC_FUNCTIONS[1]?.parameters);
});

test('assembles tool calls streamed in fragments, even split inside a UTF-8 character', async () => {
  const argsA = '{"patient_name":"José Núñez","date":"2025-03-05","time":"14:30"}';
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta({ content: 'One moment.' }));
      res.write(delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'book_appointment', arguments: '' } }] }));
      const bytes = Buffer.from(delta({ tool_calls: [{ index: 0, function: { arguments: argsA.slice(0, 25) } }] }));
      const cut = bytes.indexOf(Buffer.from('é')) + 1; // between the two bytes of "é"
      assert.ok(cut > 0);
      res.write(bytes.subarray(0, cut));
      res.write(bytes.subarray(cut));
      res.write(delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'end_call', arguments: '' } }] }));
      res.write(delta({ tool_calls: [{ index: 0, function: { arguments: argsA.slice(25) } }] }));
      res.write(delta({}, 'tool_calls'));
      res.end(sse('[DONE]'));
    },
    async (base) => {
      const events = await collect(provider(base).respond({ messages: MESSAGES, functions: CLINIC_FUNCTIONS, signal: new AbortController().signal }));
      assert.deepEqual(events, [
        { type: 'text', text: 'One moment.' },
        { type: 'tool_call', call: { id: 'call_a', name: 'book_appointment', arguments: argsA } },
        { type: 'tool_call', call: { id: 'call_b', name: 'end_call', arguments: '{}' } },
      ]);
    },
  );
});

test('a server that sends whole tool calls without index or [DONE] still works', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta({ tool_calls: [{ id: 'x1', function: { name: 'get_office_info', arguments: '{"topic":"address"}' } }] }));
      res.end(`data: ${JSON.stringify({ choices: [{ delta: { tool_calls: [{ id: 'x2', function: { name: 'end_call', arguments: '{}' } }] } }] })}`);
    },
    async (base) => {
      const events = await collect(provider(base).respond({ messages: MESSAGES, functions: [], signal: new AbortController().signal }));
      assert.deepEqual(
        events.map((e) => (e.type === 'tool_call' ? e.call : e)),
        [
          { id: 'x1', name: 'get_office_info', arguments: '{"topic":"address"}' },
          { id: 'x2', name: 'end_call', arguments: '{}' },
        ],
      );
    },
  );
});

test('HTTP errors become a ThinkRequestError with the status and the server\'s explanation', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
    },
    async (base) => {
      const err = await collect(provider(base).respond({ messages: MESSAGES, functions: [], signal: new AbortController().signal })).then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ThinkRequestError);
      assert.equal(err.status, 401);
      assert.match(err.message, /answered HTTP 401 Unauthorized: Incorrect API key provided/);
    },
  );
});

test('an error reported mid-stream, or a garbled chunk, fails the request after what was already said', async () => {
  for (const [bad, pattern] of [
    [sse({ error: { message: 'model overloaded' } }), /reported an error mid-stream: model overloaded/],
    ['data: {not json\n\n', /not JSON/],
  ] as const) {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(delta({ content: 'Sure.' }));
        res.end(bad);
      },
      async (base) => {
        const seen: ThinkEvent[] = [];
        await assert.rejects(async () => {
          for await (const e of provider(base).respond({ messages: MESSAGES, functions: [], signal: new AbortController().signal })) seen.push(e);
        }, pattern);
        assert.deepEqual(seen, [{ type: 'text', text: 'Sure.' }]);
      },
    );
  }
});

test('aborting the signal ends a slow stream quietly and closes the connection', async () => {
  let closed: Promise<unknown> | undefined;
  await withServer(
    (_req, res) => {
      closed = once(res, 'close');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta({ content: 'Let me check' }));
      // ...and never another byte.
    },
    async (base) => {
      const controller = new AbortController();
      const seen: ThinkEvent[] = [];
      for await (const e of provider(base).respond({ messages: MESSAGES, functions: [], signal: controller.signal })) {
        seen.push(e);
        controller.abort();
      }
      assert.deepEqual(seen, [{ type: 'text', text: 'Let me check' }]);
      await closed;
    },
  );
});

test('a stream that goes silent fails with a timeout error', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta({ content: 'Hmm' }));
    },
    async (base) => {
      await assert.rejects(
        collect(provider(base, { idleTimeoutMs: 50 }).respond({ messages: MESSAGES, functions: [], signal: new AbortController().signal })),
        (e: unknown) => e instanceof ThinkRequestError && /timed out after 50 ms waiting for more of the reply/.test(e.message),
      );
    },
  );
});

test('an unreachable server fails with a clear error', async () => {
  let base = '';
  await withServer((_req, res) => res.end(), async (b) => {
    base = b;
  });
  await assert.rejects(
    collect(provider(base).respond({ messages: MESSAGES, functions: [], signal: new AbortController().signal })),
    (e: unknown) => e instanceof ThinkRequestError && e.message.includes(`think request to ${base}/chat/completions failed`),
  );
});

const THINK: ThinkSettings = { provider: { type: 'open_ai', model: 'gpt-4o-mini', temperature: 0.7 } };

test('endpoint resolution: Settings endpoint first, then the server\'s account, else none', () => {
  assert.equal(resolveOpenAiOptions(THINK), undefined);
  assert.equal(resolveOpenAiOptions(THINK, { baseUrl: 'http://localhost:11434/v1', model: 'llama3.2' }), undefined, 'no key, no endpoint');
  assert.deepEqual(resolveOpenAiOptions(THINK, { apiKey: 'sk-1' }), {
    url: 'https://api.openai.com/v1/chat/completions',
    headers: { authorization: 'Bearer sk-1' },
    model: 'gpt-4o-mini',
    temperature: 0.7,
  });
  assert.equal(resolveOpenAiOptions(THINK, { apiKey: 'k', baseUrl: 'http://localhost:11434/v1/' })?.url, 'http://localhost:11434/v1/chat/completions');
  assert.equal(resolveOpenAiOptions(THINK, { apiKey: 'k', model: 'llama3.2' })?.model, 'llama3.2');
  const withEndpoint: ThinkSettings = { ...THINK, endpoint: { url: 'http://10.0.0.5:8000/v1/chat/completions', headers: { 'x-key': 'abc' } } };
  assert.deepEqual(resolveOpenAiOptions(withEndpoint, { apiKey: 'sk-ignored' }), {
    url: 'http://10.0.0.5:8000/v1/chat/completions',
    headers: { 'x-key': 'abc' },
    model: 'gpt-4o-mini',
    temperature: 0.7,
  });
});

test('the factory picks the model when one is configured, the built-in dialog otherwise', () => {
  assert.ok(createThinkProvider(THINK, { account: { apiKey: 'sk-1' } }) instanceof OpenAiThinkProvider);
  assert.ok(createThinkProvider({ ...THINK, endpoint: { url: 'http://127.0.0.1:1/v1' } }) instanceof OpenAiThinkProvider);
  const dialog = createThinkProvider(THINK);
  assert.ok(dialog instanceof ClinicDialog);
  assert.ok(createThinkProvider(THINK, { account: { apiKey: 'sk-1' } }).expectedPhrases().length > 100);
  assert.throws(() => createThinkProvider(THINK, { dialog: { timeZone: 'Nowhere/Atlantis' } }), /unknown time zone/);
});
