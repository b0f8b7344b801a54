import { Arg, ID, Resolver, Subscription } from 'type-graphql';
import { SINCE_DESCRIPTION, servedByGateway } from '../shared/subscriptions';
import { Project, type ProjectNode } from './project.type';

@Resolver(() => Project)
export class ProjectSubscriptionResolver {
  @Subscription(() => Project, {
    subscribe: servedByGateway,
    description:
      "A project whose status changed in Tandem's canonical store (planned, active, on hold, ...), in commit order; " +
      "only the given customer's projects when customerId is set. Served by the gateway over graphql-ws; each event carries `extensions.cursor`.",
  })
  projectStatusChanged(
    @Arg('customerId', () => ID, { nullable: true, description: 'Only projects of this customer' }) _customerId: string | null,
    @Arg('since', () => String, { nullable: true, description: SINCE_DESCRIPTION }) _since: string | null,
  ): ProjectNode {
    return servedByGateway();
  }
}
