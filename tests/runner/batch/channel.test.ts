/**
 * The report channel as hostile input (runner/batch/channel.ts), in-process:
 * framing that cannot be glued or split, every field bounded, the rules of the
 * conversation, and caps that count what they drop. The escape corpus
 * (tests/escapes/attacks/channel/) does the same through real sleeves.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ChannelContext, type ChannelStats, breaksRule, createLineReader, keepDenial, keepWrite, readChannel } from '../../../runner/batch/channel.js';
import { CHANNEL_CAPS, MAX_MESSAGE_BYTES, type SleeveMessage } from '../../../sandbox/protocol.js';
import { denyMessageSchema } from '../../../sandbox/channel-schema.js';
import { NODE_PERMISSION_SURFACES } from '../../../sandbox/node-permission.js';
import { boundedDenial, clip } from '../../../sandbox/reporter.js';

const NOW = 1_800_000_000_000;
const ctx: ChannelContext = { startedMs: NOW - 1000, now: () => NOW, layers: ['fs-guard', 'node-permission'], isolate: false };
const deny = (over: Record<string, unknown> = {}) => ({
  t: 'deny',
  op: 'read',
  syscall: 'open',
  path: '/ws/data/x',
  rule: 'fs.read.deny "x"',
  reason: 'no',
  at: NOW - 10,
  ...over,
});
const line = (m: unknown) => `${JSON.stringify(m)}\n`;
const READY = line({ t: 'ready', layers: ['fs-guard', 'node-permission'] });
const EXIT = line({ t: 'exit', outcome: 'returned', maxRssKiB: 40_000, cpuUserMs: 12, cpuSystemMs: 3 });

function run(chunks: Array<string | Buffer>, c: ChannelContext = ctx): { messages: SleeveMessage[]; faults: string[]; stats: ChannelStats } {
  const messages: SleeveMessage[] = [];
  const faults: string[] = [];
  const reader = createLineReader(
    c,
    (m) => messages.push(m),
    (f) => faults.push(f),
  );
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  reader.end();
  return { messages, faults, stats: reader.stats };
}

describe('the report channel: framing', () => {
  it('accepts whole messages however the pipe splits them', () => {
    const all = READY + line(deny()) + line({ t: 'writes', paths: ['/ws/runs/a/out.json'] }) + EXIT;
    for (const size of [1, 2, 7, 64, all.length]) {
      const chunks: string[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.slice(i, i + size));
      const r = run(chunks);
      assert.deepEqual(r.faults, [], `chunks of ${size}`);
      assert.deepEqual(
        r.messages.map((m) => m.t),
        ['ready', 'deny', 'writes', 'exit'],
      );
    }
  });
  const faults: Array<[string, Array<string | Buffer>, RegExp]> = [
    ['a forged fragment glued to the next real message', ['{"t":"deny"', line(deny())], /not a line of UTF-8 JSON/],
    ['a forged byte glued before a real denial', ['x', line(deny())], /not a line of UTF-8 JSON/],
    ['an empty line', [READY, '\n'], /empty line/],
    ['a line past the size bound', [`{"t":"writes","paths":["/${'a'.repeat(MAX_MESSAGE_BYTES)}"]}\n`], /longer than/],
    ['bytes that are not UTF-8', [Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])], /UTF-8/],
    ['an unknown kind of message', ['{"t":"pwned"}\n'], /not a valid message/],
    ['an unknown field', [line({ ...deny(), extra: 1 })], /not a valid message/],
    ['a path that is not absolute in a write report', [line({ t: 'writes', paths: ['runs/a/f'] })], /not a valid message/],
    ['a NUL in a written path', [line({ t: 'writes', paths: ['/ws/runs/a/f\u0000x'] })], /not a valid message/],
    ['a denial time of a wrong type', [line(deny({ at: '1' }))], /not a valid message/],
    ['a denial time outside the sleeve life', [line(deny({ at: NOW + 60_000 }))], /outside the sleeve's life/],
    ['a denial time before the sleeve started', [line(deny({ at: NOW - 3_600_000 }))], /outside the sleeve's life/],
    [
      'an exit report with a measure out of range',
      [line({ t: 'exit', outcome: 'returned', maxRssKiB: -1, cpuUserMs: 0, cpuSystemMs: 0 })],
      /not a valid message/,
    ],
    [
      'an exit report with a measure that is not finite',
      ['{"t":"exit","outcome":"returned","maxRssKiB":1e999,"cpuUserMs":0,"cpuSystemMs":0}\n'],
      /not a valid message/,
    ],
    ['a second ready', [READY, READY], /second "ready"/],
    ['a second exit report', [EXIT, EXIT], /after the exit report/],
    ['anything after the exit report', [EXIT, line(deny())], /after the exit report/],
    ['a layer the runner did not put there', [line({ t: 'ready', layers: ['fs-guard', 'os'] })], /did not put/],
    ['a limit from a process-mode sleeve', [line({ t: 'limit', limit: 'timeout', detail: 'x' })], /not in isolate mode/],
    [
      'isolate statistics from a process-mode sleeve',
      [line({ t: 'exit', outcome: 'returned', maxRssKiB: 1, cpuUserMs: 0, cpuSystemMs: 0, isolate: { cpuMs: 1, wallMs: 1, heap: null } })],
      /not in isolate mode/,
    ],
    ['a write report of more than 64 paths', [line({ t: 'writes', paths: Array.from({ length: 65 }, (_, i) => `/ws/runs/a/${i}`) })], /not a valid message/],
    ['a prototype key', ['{"t":"writes","paths":["/a"],"__proto__":{"x":1}}\n'], /not a valid message/],
  ];
  for (const [title, chunks, says] of faults) {
    it(`fails the sleeve on ${title}, and reads nothing after it`, () => {
      const r = run([...chunks, line(deny({ path: '/after' }))]);
      assert.equal(r.faults.length, 1, r.faults.join('; '));
      assert.match(r.faults[0] as string, says);
      assert.equal(r.stats.fault, r.faults[0]);
      assert.ok(!r.messages.some((m) => m.t === 'deny' && m.path === '/after'), 'a message after the fault was accepted');
    });
  }
  it('fails the sleeve on a stream that ends inside a message', () => {
    const r = run([READY, '{"t":"writes","paths":["/ws/runs/a/f"]}']);
    assert.equal(r.messages.length, 1);
    assert.deepEqual(r.faults, ['message 2: the channel ended inside a message (a partial line)']);
  });
  it('property: any non-blank fragment without a newline glued onto a real message is a fault', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }).filter((s) => !s.includes('\n') && s.trim() !== ''),
        fc.integer({ min: 0, max: 3 }),
        (fragment, at) => {
          const real = [READY, line(deny()), line({ t: 'writes', paths: ['/ws/runs/a/f'] }), EXIT];
          const chunks = [...real.slice(0, at), fragment, ...real.slice(at)];
          const r = run(chunks);
          return r.faults.length === 1;
        },
      ),
      { numRuns: 500 },
    );
  });
  it('property: valid messages in any chunking are accepted in order, with no fault', () => {
    const msg = fc.oneof(
      fc
        .record({ path: fc.string({ maxLength: 300 }).map((s) => `/ws/${s.replace(/\u0000/g, '')}`), reason: fc.string({ maxLength: 100 }) })
        .map((x) => line(deny(x))),
      fc
        .array(
          fc.string({ minLength: 1, maxLength: 50 }).map((s) => `/ws/runs/a/${s.replace(/\u0000/g, '')}`),
          { minLength: 1, maxLength: 64 },
        )
        .map((paths) => line({ t: 'writes', paths })),
    );
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }), (lines, cuts) => {
        const bytes = Buffer.from(READY + lines.join('') + EXIT);
        const chunks: Buffer[] = [];
        let i = 0;
        for (let k = 0; i < bytes.length; k++) {
          const n = cuts[k % cuts.length] as number;
          chunks.push(bytes.subarray(i, i + n));
          i += n;
        }
        const r = run(chunks);
        return r.faults.length === 0 && r.messages.length === lines.length + 2;
      }),
      { numRuns: 200 },
    );
  });
  it('reads a real stream to its end, then reports a partial last line', async () => {
    const stream = new PassThrough();
    const faults: string[] = [];
    const messages: SleeveMessage[] = [];
    const stats = readChannel(
      stream,
      ctx,
      (m) => messages.push(m),
      (f) => faults.push(f),
    );
    stream.write(READY);
    stream.end('{"t":"exit"');
    await new Promise((r) => stream.on('end', r));
    assert.equal(messages.length, 1);
    assert.match(stats.fault ?? '', /ended inside a message/);
    assert.equal(faults.length, 1);
  });
});

describe('the report channel: rules of the conversation', () => {
  const state = { ready: 0, exit: 0, limit: 0 };
  it('lets an isolate sleeve send one limit and isolate statistics', () => {
    const iso = { ...ctx, isolate: true, layers: ['isolate', 'fs-guard', 'node-permission'] };
    assert.equal(breaksRule({ t: 'limit', limit: 'memory', detail: 'x' }, state, iso), undefined);
    assert.match(breaksRule({ t: 'limit', limit: 'memory', detail: 'x' }, { ...state, limit: 1 }, iso) ?? '', /second "limit"/);
    assert.equal(breaksRule({ t: 'ready', layers: ['isolate', 'fs-guard', 'node-permission'] }, state, iso), undefined);
  });
  it('accepts a denial dated within the slack of the sleeve life', () => {
    assert.equal(breaksRule({ ...deny({ at: ctx.startedMs - 1500 }), t: 'deny' } as SleeveMessage, state, ctx), undefined);
  });
});

describe('the report channel: caps count what they drop', () => {
  it('keeps at most CHANNEL_CAPS.denials distinct denials, and counts repeats only up to the message cap', () => {
    const stats: ChannelStats = { accepted: 0, dropped: { denials: 0, writes: 0 }, fault: null };
    const kept = { denyMessages: 0, writeChars: 0 };
    assert.equal(keepDenial(kept, CHANNEL_CAPS.denials - 1, true, stats), true);
    assert.equal(keepDenial(kept, CHANNEL_CAPS.denials, true, stats), false);
    assert.equal(keepDenial(kept, CHANNEL_CAPS.denials, false, stats), true, 'a repeat of a kept denial is counted on its record');
    assert.equal(stats.dropped.denials, 1);
    kept.denyMessages = CHANNEL_CAPS.denyMessages;
    assert.equal(keepDenial(kept, 1, false, stats), false);
    assert.equal(stats.dropped.denials, 2);
  });
  it('keeps written paths up to the count and the character caps', () => {
    const stats: ChannelStats = { accepted: 0, dropped: { denials: 0, writes: 0 }, fault: null };
    const kept = { denyMessages: 0, writeChars: CHANNEL_CAPS.writeChars - 10 };
    assert.equal(keepWrite(kept, 5, '/ws/runs/a', stats), true);
    assert.equal(keepWrite(kept, 6, '/ws/runs/a/b', stats), false);
    assert.equal(keepWrite({ denyMessages: 0, writeChars: 0 }, CHANNEL_CAPS.writes, '/x', stats), false);
    assert.equal(stats.dropped.writes, 2);
  });
});

describe('the reporter keeps its lines within the bounds the runner enforces', () => {
  it('every op the sandbox reports fits the schema (a refused op would fail an honest sleeve)', () => {
    const ops = [
      'read',
      'write',
      'net',
      'v8',
      'module',
      'process.binding',
      'addons',
      'signal',
      'inspector',
      'process.report',
      ...NODE_PERMISSION_SURFACES.map((s) => s.op),
    ];
    for (const op of ops) assert.ok(denyMessageSchema.safeParse({ ...deny(), op }).success, op);
  });
  it('clips long fields with a mark, never splitting a surrogate pair', () => {
    assert.equal(clip('abc', 5), 'abc');
    const clipped = clip(`${'a'.repeat(9)}\u{1f600}${'b'.repeat(20)}`, 16);
    assert.ok(clipped.length <= 16);
    assert.ok(clipped.endsWith(' [...]'));
    assert.doesNotThrow(() => Buffer.from(clipped).toString());
  });
  it('makes a denial of any path, even one of control characters, a line the runner accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20_000, unit: 'binary' }), fc.string({ maxLength: 5000 }), (p, reason) => {
        const m = boundedDenial({ t: 'deny', op: 'write', syscall: 'open', path: `/${p}`, rule: 'fs.write', reason, at: NOW });
        const r = run([line(m)]);
        return r.faults.length === 0 && r.messages.length === 1;
      }),
      { numRuns: 100 },
    );
  });
});
