import { All, Controller, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Request, Response } from 'express';
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
  byPath(@Param('state') state: string, @Req() req: Request, @Res() res: Response) {
    return this.answer(state, undefined, req, res);
  }

  @All('cbq/:param')
  byQuery(@Param('param') param: string, @Req() req: Request, @Res() res: Response) {
    const state = new URL(req.originalUrl, 'http://callback').searchParams.get(param) ?? undefined;
    return this.answer(state, param, req, res);
  }

  private async answer(state: string | undefined, param: string | undefined, req: Request, res: Response): Promise<void> {
    const answer = await this.callbacks.answerCall(state, param, req).catch((err: unknown) => {
      // The exception filter writes the error; the header it cannot know is set here.
      if (err instanceof CallRefused && err.retryAfterS !== undefined) res.setHeader('Retry-After', String(err.retryAfterS));
      throw err;
    });
    if ('redirect' in answer) return res.redirect(302, answer.redirect);
    // Plain setHeader and end: the configured headers go out exactly (Express's set and send
    // would add a charset or change the type). Node sends no body to a HEAD.
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.status(answer.status).end(answer.body);
  }
}
