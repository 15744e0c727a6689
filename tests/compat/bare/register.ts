/** `node --import <this>`: registers ts-hooks.js for the bare runs of the compat suite. */
import { register } from 'node:module';

register(new URL('./ts-hooks.js', import.meta.url));
