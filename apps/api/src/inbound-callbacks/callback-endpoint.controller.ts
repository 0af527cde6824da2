import { All, Controller, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { CallRefused } from './call-refused';
import { InboundCallbacksService } from './inbound-callbacks.service';

/**
 * The public side of inbound callbacks: any method on `/cb/{state}` or
 * `/cbq/{param}?{param}={state}`, without the API key (the state is the secret). Described in
 * docs/inbound-callbacks.md rather than in the OpenAPI of the Management API.
 */
@ApiExcludeController()
@Controller()
export class CallbackEndpointController {
  constructor(private readonly callbacks: InboundCallbacksService) {}

  @All('cb/:state')
  byPath(@Param('state') state: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.answer(state, undefined, req, res);
  }

  @All('cbq/:param')
  byQuery(@Param('param') param: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    const state = new URL(req.originalUrl, 'http://callback').searchParams.get(param) ?? undefined;
    return this.answer(state, param, req, res);
  }

  private async answer(state: string | undefined, param: string | undefined, req: FastifyRequest, res: FastifyReply): Promise<void> {
    const answer = await this.callbacks.answerCall(state, param, req).catch((err: unknown) => {
      // The exception filter writes the error; the header it cannot know is set here.
      if (err instanceof CallRefused && err.retryAfterS !== undefined) res.header('Retry-After', String(err.retryAfterS));
      throw err;
    });
    if ('redirect' in answer) return void res.redirect(answer.redirect, 302);
    // Written on the raw response: the configured headers go out exactly (Fastify's send would
    // add a content type to a body without one). Node sends no body to a HEAD.
    res.hijack();
    res.raw.writeHead(answer.status, answer.headers).end(answer.body);
  }
}
