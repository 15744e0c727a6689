// Unbounded recursion: a stack overflow RangeError, not caught.
export default function (ctx) {
  const f = (n) => f(n + 1) + 1;
  return f(ctx.args.length);
}
