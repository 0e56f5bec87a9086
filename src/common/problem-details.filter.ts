import { BadRequestException, Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { WrongExpectedRevisionError } from '@warden/event-store';
import { HTTP_STATUS_OF, WardenError } from './warden-error';

/**
 * The command API's one error mapping: every error becomes an RFC 9457 problem detail with a
 * stable `code`. Unknown errors become a bare 500: never a stack trace, never a secret.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(error);
    reply.code(problem.status).header('content-type', 'application/problem+json').send(problem);
  }

  private toProblem(error: unknown): { type: string; title: string; status: number; code: string; detail?: string; [k: string]: unknown } {
    if (error instanceof WardenError) {
      const status = HTTP_STATUS_OF[error.kind];
      return { type: 'about:blank', title: error.kind, status, code: error.code, detail: error.message, ...error.details };
    }
    if (error instanceof WrongExpectedRevisionError) {
      return { type: 'about:blank', title: 'conflict', status: 409, code: error.code, detail: 'a concurrent change won; retry' };
    }
    if (error instanceof BadRequestException) {
      const response = error.getResponse() as { message?: string | string[] };
      const messages = Array.isArray(response.message) ? response.message : [response.message ?? 'bad request'];
      return { type: 'about:blank', title: 'bad_request', status: 400, code: 'VALIDATION.FAILED', detail: messages.join('; '), errors: messages };
    }
    if (error instanceof HttpException) {
      return { type: 'about:blank', title: error.message, status: error.getStatus(), code: `HTTP.${error.getStatus()}` };
    }
    this.logger.error(`unhandled error: ${error instanceof Error ? error.name : typeof error}`);
    return { type: 'about:blank', title: 'internal', status: 500, code: 'INTERNAL' };
  }
}
