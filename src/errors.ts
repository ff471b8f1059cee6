/**
 * The one error type services throw. The HTTP layer maps it, once, to each API family's documented
 * error shape; `expose: false` errors are logged and answered as a bare 500 with the request id.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly expose = httpStatus < 500,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** Bad input: a field, a parameter or a body that does not fit. The message names the offending part. */
export class ValidationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('validation_failed', 400, message, details)
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', 404, `${what} was not found`)
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have permission to do this') {
    super('forbidden', 403, message)
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super('payload_too_large', 413, message)
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', 409, message)
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('unsupported_media_type', 415, message)
  }
}
