/** --keylog FILE: NSS key log lines (SSLKEYLOGFILE format). The file holds session secrets: only its owner may read it. */
import { closeSync, fchmodSync, fstatSync, openSync, writeSync } from 'node:fs';

/**
 * Opens FILE for appending, created with mode 0600; an existing file that group or others may read is narrowed
 * to 0600 too (what it will hold decrypts every logged connection). Returns the line writer.
 */
export function keyLogWriter(file: string): (line: string) => void {
  const fd = openSync(file, 'a', 0o600);
  try {
    if (fstatSync(fd).mode & 0o077) fchmodSync(fd, 0o600);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  process.once('exit', () => closeSync(fd));
  return (line: string) => {
    writeSync(fd, line + '\n');
  };
}
