import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import { describeSchemaErrors } from '../schema/describe-errors.js'
import Type from 'typebox'

/** The error body every Tally route answers with, unless its API family documents another. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'A stable machine-readable code' }),
    message: Type.String({ description: 'What is wrong, naming the offending part' }),
    requestId: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'ErrorBody' },
)
export type ErrorBody = Type.Static<typeof ErrorBody>

/**
 * Maps any thrown error to a status and a body, once for the whole server. Client mistakes keep
 * their message; anything unexpected is logged with the request id and answered without internals.
 */
export function toErrorResponse(
  error: unknown,
  request: FastifyRequest,
): { status: number; body: ErrorBody } {
  const requestId = String(request.id)
  if (error instanceof AppError && error.expose) {
    return {
      status: error.httpStatus,
      body: {
        error: error.code,
        message: error.message,
        requestId,
        ...(error.details && { details: error.details }),
      },
    }
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation) {
    const message = describeSchemaErrors(fastifyError.validation, fastifyError.validationContext ?? '')
    return { status: 400, body: { error: 'validation_failed', message, requestId } }
  }
  const status = fastifyError.statusCode
  if (!(error instanceof AppError) && status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: errorCodeFor(fastifyError), message: fastifyError.message, requestId } }
  }
  request.log.error({ err: error }, 'unexpected error')
  return { status: 500, body: { error: 'internal_error', message: 'Internal server error', requestId } }
}

function errorCodeFor(error: FastifyError): string {
  if (error.statusCode === 413) return 'payload_too_large'
  if (error.statusCode === 415) return 'unsupported_media_type'
  return 'bad_request'
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.addSchema(ErrorBody)
  app.setErrorHandler((error, request, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(error, request)
    return reply.status(status).send(body)
  })
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
      requestId: String(request.id),
    } satisfies ErrorBody),
  )
}
