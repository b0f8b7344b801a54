import { Arg, ID, Resolver, Subscription } from 'type-graphql';
import { SINCE_DESCRIPTION, servedByGateway } from '../shared/subscriptions';
import { Invoice, type InvoiceNode } from './invoice.type';

@Resolver(() => Invoice)
export class InvoiceSubscriptionResolver {
  @Subscription(() => Invoice, {
    subscribe: servedByGateway,
    description:
      "An invoice whose status changed in Tandem's canonical store (issued, paid, overdue, ...), in the order the changes were committed; " +
      'only the given customer\'s invoices when customerId is set. Served by the gateway over graphql-ws; each event carries `extensions.cursor`.',
  })
  invoiceStatusChanged(
    @Arg('customerId', () => ID, { nullable: true, description: 'Only invoices of this customer' }) _customerId: string | null,
    @Arg('since', () => String, { nullable: true, description: SINCE_DESCRIPTION }) _since: string | null,
  ): InvoiceNode {
    return servedByGateway();
  }
}
