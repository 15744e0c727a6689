/**
 * What an open flag lets a descriptor do, decided from the flag alone (a
 * string such as "r+" or "wx", or the numeric O_* bits). A flag that is
 * neither (an object, a symbol) counts as read and write: Node refuses it
 * anyway, and a guess must never be the weaker one. Pure.
 */
export interface OpenModes {
  read: boolean;
  write: boolean;
}

export interface OpenConstants {
  O_RDONLY: number;
  O_WRONLY: number;
  O_CREAT: number;
  O_TRUNC: number;
  O_APPEND: number;
}

export function flagModes(flags: unknown, constants: OpenConstants): OpenModes {
  if (flags === undefined || flags === null) return { write: false, read: true };
  if (typeof flags === 'number') {
    const acc = flags & 3; // O_RDONLY 0, O_WRONLY 1, O_RDWR 2
    const mutating = constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND;
    return { write: acc !== constants.O_RDONLY || (flags & mutating) !== 0, read: acc !== constants.O_WRONLY };
  }
  if (typeof flags !== 'string') return { write: true, read: true };
  let write = false;
  let read = false;
  for (let i = 0; i < flags.length; i++) {
    const c = flags.charCodeAt(i);
    if (c === 119 || c === 97)
      write = true; // w a
    else if (c === 43)
      write = read = true; // +
    else if (c === 114) read = true; // r
  }
  return { write, read };
}
