import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { toBase64 } from '@warden/ledger';
import { ANCHOR_STORE, type AnchorCheckpoint, type AnchorStore } from '@warden/anchor-store';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { Roles } from '../identity/route-access';
import { AnchorProofs } from './anchor-proofs';
import { CheckpointSigner } from './checkpoint-signer';
import { Cosignatures } from './cosignatures';

/**
 * The caller's organisation's Merkle log: its signed checkpoints (C2SP tlog-checkpoint in a
 * signed note; JSON, or the note itself with `Accept: text/plain`), the note verifier key, and
 * inclusion and consistency proofs (hashes base64, RFC 9162). Another org's events are unknown here.
 */
@ApiTags('log')
@Controller('v1/log')
export class LogController {
  constructor(
    @Inject(ANCHOR_STORE) private readonly anchors: AnchorStore,
    private readonly proofs: AnchorProofs,
    private readonly signer: CheckpointSigner,
    private readonly cosignatures: Cosignatures,
  ) {}

  @Get('checkpoint')
  @Roles('auditor', 'investigator', 'admin')
  async latest(@CurrentUser() user: UserPrincipal, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const checkpoint = await this.anchors.checkpoint(user.orgId);
    if (!checkpoint) throw new WardenError('not_found', 'LOG.NO_CHECKPOINT', 'this organisation\u2019s log has no signed checkpoint yet');
    return this.answer(checkpoint, accept, reply);
  }

  @Get('checkpoints/:size')
  @Roles('auditor', 'investigator', 'admin')
  async bySize(@CurrentUser() user: UserPrincipal, @Param('size') sizeText: string, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const size = sizeParam('size', sizeText);
    const checkpoint = await this.anchors.checkpoint(user.orgId, size);
    if (!checkpoint) throw new WardenError('not_found', 'LOG.UNKNOWN_CHECKPOINT', `no signed checkpoint of size ${size} in this organisation\u2019s log`);
    return this.answer(checkpoint, accept, reply);
  }

  /**
   * A witness's cosignature/v1 of the checkpoint at `size`: body { note } = the checkpoint note
   * with the witness's signature line, as the witness returns it. Only configured witness keys
   * (WARDEN_WITNESS_KEYS) are accepted, and only if every one of their signatures verifies.
   */
  @Post('checkpoints/:size/cosignatures')
  @HttpCode(201)
  @Roles('auditor', 'admin')
  async cosign(@CurrentUser() user: UserPrincipal, @Param('size') sizeText: string, @Body() body: unknown) {
    const size = sizeParam('size', sizeText);
    const checkpoint = await this.anchors.checkpoint(user.orgId, size);
    if (!checkpoint) throw new WardenError('not_found', 'LOG.UNKNOWN_CHECKPOINT', `no signed checkpoint of size ${size} in this organisation\u2019s log`);
    const accepted = await this.cosignatures.add(checkpoint, (body as { note?: unknown } | undefined)?.note);
    return { accepted, ...(await this.view(checkpoint)) };
  }

  @Get('vkey')
  @Roles('auditor', 'investigator', 'admin')
  vkey(@CurrentUser() user: UserPrincipal, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const vkey = this.signer.verifierKey(user.orgId);
    if (wantsText(accept)) return reply.header('content-type', 'text/plain; charset=utf-8').send(`${vkey}\n`);
    return { origin: this.signer.origin(user.orgId), vkey };
  }

  @Get('proofs/inclusion')
  @Roles('auditor', 'investigator', 'admin')
  inclusion(@CurrentUser() user: UserPrincipal, @Query('eventId') eventId: string | undefined, @Query('size') size: string | undefined) {
    if (typeof eventId !== 'string' || !/^[0-9a-f-]{36}$/i.test(eventId)) throw new WardenError('bad_request', 'LOG.INVALID_EVENT_ID', 'eventId must be an event id (uuid)');
    return this.proofs.inclusion(user.orgId, eventId, size === undefined ? undefined : sizeParam('size', size));
  }

  @Get('proofs/consistency')
  @Roles('auditor', 'investigator', 'admin')
  consistency(@CurrentUser() user: UserPrincipal, @Query('from') from: string | undefined, @Query('to') to: string | undefined) {
    return this.proofs.consistency(user.orgId, sizeParam('from', from), sizeParam('to', to));
  }

  private async answer(checkpoint: AnchorCheckpoint, accept: string | undefined, reply: FastifyReply) {
    const view = await this.view(checkpoint);
    if (wantsText(accept)) return reply.header('content-type', 'text/plain; charset=utf-8').send(view.note);
    return view;
  }

  /** The checkpoint with its witnesses' cosignatures (the note carries their signature lines). */
  private async view(checkpoint: AnchorCheckpoint) {
    const { note, cosignatures } = await this.cosignatures.cosigned(checkpoint);
    return {
      origin: this.signer.origin(checkpoint.log),
      size: checkpoint.size,
      rootHash: toBase64(checkpoint.rootHash),
      note,
      eventId: checkpoint.eventId,
      cosignatures,
    };
  }
}

function wantsText(accept: string | undefined): boolean {
  return typeof accept === 'string' && /(^|,)\s*text\/plain/i.test(accept) && !/(^|,)\s*application\/json/i.test(accept);
}

function sizeParam(name: string, text: string | undefined): number {
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new WardenError('bad_request', 'LOG.INVALID_SIZE', `${name} must be a tree size (a positive integer)`, { [name]: text ?? null });
  }
  return Number(text);
}
