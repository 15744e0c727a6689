// Print what Node prints when a heap runs out, then fail normally: still "failed", not "oom".
export default function () {
  console.error('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
  throw new Error('an ordinary failure');
}
