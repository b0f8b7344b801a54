import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { AuditKind } from '../shared/auth';
import { DateTimeScalar } from '../shared/scalars';
import { PageInfo } from '../shared/types';

export const AuditKindEnum = { MUTATION: 'MUTATION', REPLAY: 'REPLAY', DENIED: 'DENIED' } as const satisfies { [K in AuditKind]: K };
registerEnumType(AuditKindEnum, { name: 'AuditKind', description: 'MUTATION (any mutation), REPLAY (replaySyncTransaction), DENIED (a field or row refused with FORBIDDEN)' });

@ObjectType({ description: 'One entry of the audit trail' })
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => AuditKindEnum)
  kind!: AuditKind;

  @Field({ description: "The verified caller's subject" })
  caller!: string;

  @Field(() => [String])
  roles!: string[];

  @Field({ description: 'What was asked: Mutation.upsertCustomer, Customer.taxId, Query.customer, ...' })
  operation!: string;

  @Field(() => String, { nullable: true, description: 'The arguments as JSON, secrets redacted' })
  arguments!: string | null;

  @Field({ description: '`ok`, or the error code (FORBIDDEN, BAD_USER_INPUT, ...)' })
  outcome!: string;

  @Field(() => String, { nullable: true, description: 'Why it was denied, or the error message' })
  detail!: string | null;

  @Field(() => String, { nullable: true, description: 'The sync transaction a mutation or replay submitted' })
  transactionId!: string | null;

  @Field()
  requestId!: string;

  @Field(() => String, { nullable: true })
  traceId!: string | null;
}

@ObjectType()
export class AuditEntryEdge {
  @Field()
  cursor!: string;

  @Field(() => AuditEntry)
  node!: AuditEntry;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge])
  edges!: AuditEntryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
