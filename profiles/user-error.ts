/**
 * An error the user can act on (a broken config, catalog, key, run directory or database): the
 * CLI prints its message and exits 2, without a stack trace, whatever the subclass. It lives in
 * profiles/, the lowest layer that raises one, so report/, console/ and agent/ can all extend it.
 */
export class UserError extends Error {
  override name = 'UserError';
}
