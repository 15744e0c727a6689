// Throw an object whose message getter never returns: describing the failure must not hang (--timeout 2).
export default async function () {
  await null;
  throw {
    get message() {
      for (;;) {
        // spin
      }
    },
    toJSON() {
      for (;;) {
        // spin
      }
    },
  };
}
