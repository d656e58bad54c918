/** An error meant for the person running the import: the message is the whole story. */
export class ImportError extends Error {
  override name = 'ImportError';
}
