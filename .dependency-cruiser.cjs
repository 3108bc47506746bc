// The import boundaries of src/: which folder may import which. `npm run check:layers` (and so `npm test`)
// fails on any import that breaks them. The layers, top to bottom; a module may import its own layer and
// the layers below it, never one above:
//
//   cli       src/cli/, src/bench/, src/simulate/   the commands, and the benchmark harness and simulated callers they drive
//   compose   src/app.ts, src/server.ts, src/engine-env.ts, src/cluster/, src/agents/   wires everything into a running server
//   edge      the carriers, src/web/, src/api/, src/webhooks/   what talks to the outside world
//   call      src/call/                   the call core: one phone call bridged to one agent
//   services  src/tools/, src/agent/, src/engine/, src/recording/
//   store     src/store/, src/shared/     persistence; the state instances share (Redis, or this process)
//   bottom    src/domain/, src/audio/, src/observability/, src/protocol/, src/config/   no knowledge of the rest
//
// On top of the layers: carriers see only the bottom layer (and their settings), never the call core nor
// each other; the call core never reaches into the engine; engine/ and tools/ stay apart; agent/ (the V1
// protocol client) sees only the bottom layer; every src/ module is in a layer; no import cycles in src/.
// test/, bench/ and scripts/ are outside src and may import anything, so only src/ is checked.
// Type-only imports count: knowing another layer's types is a dependency on it too.

/** The telephony carriers, one line each. Each is an adapter between one carrier's protocol and the domain. */
const CARRIERS = [
  'twilio',
  'signalwire',
  'telnyx',
  'plivo',
  'vonage',
  'audiosocket',
];

/** Top to bottom. Entries are folders (trailing slash) or single files under src/. */
const LAYERS = [
  { name: 'cli', members: ['cli/', 'bench/', 'simulate/'] },
  { name: 'compose', members: ['app.ts', 'server.ts', 'engine-env.ts', 'cluster/', 'agents/'] },
  { name: 'edge', members: [...CARRIERS.map((c) => `${c}/`), 'web/', 'api/', 'webhooks/'] },
  { name: 'call', members: ['call/'] },
  { name: 'services', members: ['tools/', 'agent/', 'engine/', 'recording/'] },
  { name: 'store', members: ['store/', 'shared/'] },
  // config/ is the validated environment only (zod, no other layer), so every layer may read its settings.
  { name: 'bottom', members: ['domain/', 'audio/', 'observability/', 'protocol/', 'config/'] },
];

const BOTTOM = LAYERS.find((l) => l.name === 'bottom').members;

/** A path regex matching the given src/ members: a folder and everything in it, or exactly one file. */
function under(members) {
  const alternatives = members.map((m) => (m.endsWith('/') ? m : `${m.replaceAll('.', '\\.')}$`));
  return `^src/(?:${alternatives.join('|')})`;
}

/** Everything in the layers above the one at `index`: imports there are already reported as upward imports. */
function above(index) {
  return LAYERS.slice(0, index).flatMap((l) => l.members);
}

const layerOf = (name) => LAYERS.findIndex((l) => l.name === name);

/** A lower layer importing a higher one: the higher one depends on the lower, so this makes a cycle of knowledge. */
const upwardImports = LAYERS.slice(1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  severity: 'error',
  comment:
    `${layer.members.join(', ')} (layer "${layer.name}") may import only its own layer and those below it, ` +
    `not ${LAYERS.slice(0, i + 1).map((l) => l.name).join(', ')}: a lower layer must not know the ones built on it.`,
  from: { path: under(layer.members) },
  to: { path: under(above(i + 1)) },
}));

/** A carrier folder, capturing its name as $1 so a rule can tell the carrier's own folder from the others. */
const A_CARRIER = `^src/(${CARRIERS.join('|')})/`;

module.exports = {
  forbidden: [
    ...upwardImports,
    {
      name: 'carrier-not-to-call',
      severity: 'error',
      comment:
        'A carrier adapts one carrier\'s protocol to the domain and nothing more: it never imports the call core ' +
        '(src/call/). The call core and a carrier meet only in src/domain/ types, wired together by the compose layer.',
      from: { path: A_CARRIER },
      to: { path: '^src/call/' },
    },
    {
      name: 'carrier-not-to-carrier',
      severity: 'error',
      comment: 'Carriers are independent of each other: one can be added, changed or removed without touching another.',
      from: { path: A_CARRIER },
      to: { path: A_CARRIER, pathNot: '^src/$1/' },
    },
    {
      name: 'carrier-only-to-bottom',
      severity: 'error',
      comment:
        'Besides its own folder, a carrier imports only the bottom layer (domain types, audio, observability, protocol, its settings). ' +
        'Web, API, store, tools, engine and recording reach a call through the call core, never through a carrier.',
      from: { path: A_CARRIER },
      to: {
        path: '^src/',
        // Allowed: its own folder and the bottom layer. The call core, other carriers and higher
        // layers are left out here because rules of their own report them.
        pathNot: ['^src/$1/', under(BOTTOM), '^src/call/', A_CARRIER, under(above(layerOf('edge')))],
      },
    },
    {
      name: 'call-not-to-engine',
      severity: 'error',
      comment:
        'The call core bridges a call to an agent through the V1 protocol client (src/agent/); the embedded engine is ' +
        'one such agent, started by the compose layer. Reaching into the engine\'s internals ties every call to it: ' +
        'what both need belongs in a lower layer.',
      from: { path: '^src/call/' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'engine-tools-apart',
      severity: 'error',
      comment:
        'The embedded engine is one agent implementation and tools/ the functions a call offers: the engine must work ' +
        'with any set of functions (it learns them from the V1 settings) and the tools with any agent, so neither imports the other.',
      from: { path: '^src/(engine|tools)/' },
      to: { path: '^src/(?:engine|tools)/', pathNot: '^src/$1/' },
    },
    {
      name: 'agent-only-to-bottom',
      severity: 'error',
      comment:
        'src/agent/ is the Voice Agent V1 protocol client: a protocol library that must stay reusable by the ' +
        'call core and the engine alike, so besides itself it imports only the bottom layer.',
      from: { path: '^src/agent/' },
      to: { path: '^src/', pathNot: ['^src/agent/', under(BOTTOM), under(above(layerOf('services')))] },
    },
    {
      name: 'not-to-unplaced',
      severity: 'error',
      comment:
        'Every module under src/ belongs to a layer. A new folder must be added to LAYERS in .dependency-cruiser.cjs, ' +
        'otherwise no layer rule would apply to it.',
      from: {},
      to: { path: '^src/', pathNot: under(LAYERS.flatMap((l) => l.members)) },
    },
    {
      name: 'src-not-to-outside',
      severity: 'error',
      comment: 'The server never imports tests, benchmarks or scripts: they are not shipped, and they import the server.',
      from: { path: '^src/' },
      to: { path: '^(?:test|bench|scripts)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules in a cycle cannot be understood, tested or loaded one without the other, and ES module cycles ' +
        'can see each other\'s bindings before they are initialised.',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keep `import type` edges, which the compiled JavaScript no longer has (see the top of this file).
    tsPreCompilationDeps: true,
  },
};
