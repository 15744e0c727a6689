// Timers that never end (run with --timeout 2): an interval of 0 ms that adds a thousand more
// timers each time, besides a hundred thousand set at once; the timer table is the isolate's heap.
export default function () {
  setInterval(() => {
    for (let i = 0; i < 1000; i++) setTimeout(() => {}, 0);
  }, 0);
  for (let i = 0; i < 100000; i++) setTimeout(() => {}, i % 100);
}
