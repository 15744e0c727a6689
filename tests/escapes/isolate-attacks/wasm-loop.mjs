// A WebAssembly function that loops forever (`loop br 0 end`), compiled and called in the isolate (--timeout 2).
export default async function (ctx) {
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // body: loop br 0 end end
  ]);
  // synchronous compile (the async WebAssembly.instantiate has no event loop to finish on in an isolate)
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { compiled: typeof instance.exports.f });
  instance.exports.f();
}
