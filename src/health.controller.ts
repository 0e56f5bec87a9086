import { Controller, Get, HttpException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadModelProjector } from './ledger/read-model-projector';

/** Liveness and the projector's state: a failing projection makes the gateway unhealthy. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly projector: ReadModelProjector) {}

  @Get()
  health() {
    const state = this.projector.health();
    if (state.failure) throw new HttpException({ status: 'failing', projection: state.failure.projection, position: state.failure.position }, 503);
    return { status: 'ok', position: state.position };
  }
}
