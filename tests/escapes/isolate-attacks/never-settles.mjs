// A default export whose promise can never settle (nothing in an isolate can resolve it later).
export default function () {
  return new Promise(() => {});
}
