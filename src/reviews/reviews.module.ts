import { Module } from '@nestjs/common';
import { ReviewsController } from './reviews.controller';
import { ReviewsReadModel } from './reviews.read-model';

/** Observe: the review feed of observed calls and reviewers' marks. */
@Module({
  controllers: [ReviewsController],
  providers: [ReviewsReadModel],
})
export class ReviewsModule {}
