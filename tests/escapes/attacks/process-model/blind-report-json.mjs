/* @attack {"title": "blind the report channel: replace JSON.stringify (the guard serialises its report lines with it), then make a denied write"} */
import fs from 'node:fs';
const real = JSON.stringify;
try {
  JSON.stringify = (value, ...rest) => (value && typeof value === 'object' && 't' in value ? '' : real(value, ...rest));
} catch {
  // JSON.stringify is read-only: the denial below must then reach the report
}
fs.writeFileSync(process.env.TMP_MARKER, 'nobody will hear about this attempt\n');
