import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AnchorProjection } from './anchor/anchor-projection';
import { WardenError } from './common/warden-error';
import { ForensicsProjection } from './forensics/forensics-projection';
import { Public } from './identity/route-access';
import { CallRecorder } from './gateway/tool-call/call-recorder';
import { LedgerIntegrity } from './ledger/ledger-integrity';
import { ReadModelProjector } from './ledger/read-model-projector';

/**
 * Liveness, the projector's state and the recorder's: a failing projection, or call outcomes
 * failing to be recorded (since the last one that was), makes the gateway unhealthy (503 problem
 * details with a code); every lost outcome stays counted in `outcomesNotRecorded`.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly projector: ReadModelProjector,
    private readonly recorder: CallRecorder,
    private readonly integrity: LedgerIntegrity,
    private readonly anchor: AnchorProjection,
    private readonly forensics: ForensicsProjection,
  ) {}

  @Get()
  health() {
    const integrity = this.integrity.health();
    if (integrity.failure) {
      // A stored event that does not verify: the node stopped applying or chaining there.
      throw new WardenError('unavailable', 'HEALTH.LEDGER_INTEGRITY', 'a ledger event does not verify; the node does not act on it', { detail: integrity.failure });
    }
    const state = this.projector.health();
    if (state.failure) {
      throw new WardenError('unavailable', 'HEALTH.PROJECTION_FAILING', 'a read-model projection stopped', {
        projection: state.failure.projection,
        position: state.failure.position,
      });
    }
    const anchor = this.anchor.health();
    if (anchor.failure) {
      // The Merkle anchor stopped (an event that does not verify, a checkpoint that disagrees with the tree, its store).
      throw new WardenError('unavailable', 'HEALTH.ANCHOR_STOPPED', 'the Merkle anchor stopped; no more checkpoints are signed', { detail: anchor.failure, position: anchor.position });
    }
    const forensics = this.forensics.health();
    if (forensics.failure) {
      throw new WardenError('unavailable', 'HEALTH.FORENSIC_INDEX_STOPPED', 'the forensic index stopped; calls after it are not indexed', { detail: forensics.failure, position: forensics.position });
    }
    const calls = this.recorder.health();
    if (calls.outcomeWritesFailing > 0) {
      throw new WardenError('unavailable', 'HEALTH.OUTCOMES_NOT_RECORDED', 'call outcomes could not be recorded in the ledger', calls);
    }
    return { status: 'ok', position: state.position, verifiedEvents: integrity.verifiedEvents, anchor: { position: anchor.position, leaves: anchor.leaves, checkpointsSigned: anchor.checkpointsSigned }, forensics: { position: forensics.position, queued: forensics.queued }, ...calls };
  }
}
