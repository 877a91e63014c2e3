/**
 * An error whose message is written for the person running the action: it says what happened and
 * what to do. The entry points print it as one `::error::` line; anything else is a bug and is
 * reported with its stack in the debug log.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UserError'
  }
}

/**
 * A failure that may go away on its own (HTTP 5xx, connection reset): retried with back-off.
 * `hint` says what to check if it does not, for the error that ends the retries.
 */
export class TransientError extends UserError {
  constructor(
    message: string,
    readonly hint = ''
  ) {
    super(message)
    this.name = 'TransientError'
  }
}

/** The branch moved under us while pushing: fetch the new tip, re-apply, push again. */
export class RaceError extends UserError {
  constructor(message: string) {
    super(message)
    this.name = 'RaceError'
  }
}

/** A network operation ran out of the time 'network-timeout' allows it: not retried. */
export class TimeoutError extends UserError {
  constructor(message: string) {
    super(message)
    this.name = 'TimeoutError'
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
